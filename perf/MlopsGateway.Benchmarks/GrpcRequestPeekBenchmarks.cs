using System.Buffers;
using BenchmarkDotNet.Attributes;
using MlopsGateway.Gateway.Routing;

namespace MlopsGateway.Benchmarks;

/// <summary>
/// The gateway reads the model name from the first bytes; the tensor size must not matter. The scan
/// of the rest (<see cref="FrameScanner"/>) reads only tags and lengths, skipping tensor bytes.
/// </summary>
public class GrpcRequestPeekBenchmarks
{
    private ReadOnlySequence<byte> _propensity;
    private ReadOnlySequence<byte> _resnet;
    private ReadOnlySequence<byte> _resnetFirstSegment;

    [GlobalSetup]
    public void Setup()
    {
        _propensity = new ReadOnlySequence<byte>(Requests.Frame(Requests.Propensity(1, raw: true)));
        var resnet = Requests.Frame(Requests.ResNet());
        _resnet = new ReadOnlySequence<byte>(resnet);
        // What Kestrel hands over first: a few kilobytes of a larger body.
        _resnetFirstSegment = new ReadOnlySequence<byte>(resnet.AsMemory(0, 4096));
    }

    [Benchmark(Baseline = true)]
    public int Propensity() => (int)GrpcRequestPeek.TryReadModel(_propensity, out _, out _);

    [Benchmark]
    public int ResNetWholeBody() => (int)GrpcRequestPeek.TryReadModel(_resnet, out _, out _);

    [Benchmark]
    public int ResNetFirstSegment() => (int)GrpcRequestPeek.TryReadModel(_resnetFirstSegment, out _, out _);

    [Benchmark]
    public bool PropensityPeekAndScan() => PeekAndScan(_propensity);

    [Benchmark]
    public bool ResNetPeekAndScan() => PeekAndScan(_resnet);

    private static bool PeekAndScan(ReadOnlySequence<byte> frame)
    {
        GrpcRequestPeek.TryReadPrefix(frame, out var prefix);
        var scanner = new FrameScanner(prefix.FieldsEnd, GrpcRequestPeek.HeaderLength + (long)prefix.MessageLength);
        return scanner.Scan(frame) && scanner.Complete();
    }
}
