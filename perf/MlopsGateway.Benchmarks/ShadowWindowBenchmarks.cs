using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Inference;
using MlopsGateway.Gateway.Routing;
using MlopsGateway.Gateway.Shadow;

namespace MlopsGateway.Benchmarks;

/// <summary>
/// The gateway's own work for one gather window of shadow copies (32 one-row propensity requests, as
/// the load tool sends them): merging the copies into one request, then splitting the merged answer
/// and comparing each part with the primary's answer. Threads waking and the network are left out.
/// </summary>
public class ShadowWindowBenchmarks
{
    private const int Copies = ShadowBatch.MaxRows;

    private byte[][] _messages = [];
    private byte[][] _primaryAnswers = [];
    private byte[] _mergedAnswer = [];
    private long[] _rows = [];

    [GlobalSetup]
    public void Setup()
    {
        _messages = new byte[Copies][];
        _primaryAnswers = new byte[Copies][];
        var merged = new ModelInferResponse { ModelName = "propensity", ModelVersion = "2", Id = "mlops-shadow-batch-1" };
        var probabilities = new ModelInferResponse.Types.InferOutputTensor { Name = "probabilities", Datatype = "FP32", Shape = { Copies, 2 } };
        var label = new ModelInferResponse.Types.InferOutputTensor { Name = "label", Datatype = "INT64", Shape = { Copies } };
        merged.Outputs.Add(probabilities);
        merged.Outputs.Add(label);
        var mergedProbabilities = new List<byte>();
        var mergedLabels = new List<byte>();
        for (var i = 0; i < Copies; i++)
        {
            var request = Requests.Propensity(1, raw: true);
            request.Id = "mlops-shadow-" + i;
            request.ModelVersion = "2";
            _messages[i] = request.ToByteArray();
            var p = (float)(i % 10) / 10;
            var answer = new ModelInferResponse { ModelName = "propensity", ModelVersion = "1" };
            answer.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "probabilities", Datatype = "FP32", Shape = { 1, 2 } });
            answer.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "label", Datatype = "INT64", Shape = { 1 } });
            var probabilityBytes = BitConverter.GetBytes(p).Concat(BitConverter.GetBytes(1 - p)).ToArray();
            var labelBytes = BitConverter.GetBytes(p < 0.5f ? 1L : 0L);
            answer.RawOutputContents.Add(ByteString.CopyFrom(probabilityBytes));
            answer.RawOutputContents.Add(ByteString.CopyFrom(labelBytes));
            _primaryAnswers[i] = [0, 0, 0, 0, (byte)answer.CalculateSize(), .. answer.ToByteArray()];
            mergedProbabilities.AddRange(BitConverter.GetBytes(p + 0.01f).Concat(BitConverter.GetBytes(0.99f - p)));
            mergedLabels.AddRange(labelBytes);
        }
        merged.RawOutputContents.Add(ByteString.CopyFrom([.. mergedProbabilities]));
        merged.RawOutputContents.Add(ByteString.CopyFrom([.. mergedLabels]));
        _mergedAnswer = new ModelStreamInferResponse { InferResponse = merged }.ToByteArray();
        _rows = Enumerable.Repeat(1L, Copies).ToArray();
    }

    /// <summary>What the stream does with a window's copies before sending: parse, key, merge, serialise.</summary>
    [Benchmark]
    public int MergeWindow()
    {
        var requests = new List<ModelInferRequest>(Copies);
        ByteString? first = null;
        foreach (var message in _messages)
        {
            var request = ModelInferRequest.Parser.ParseFrom(message);
            var key = ShadowBatch.MergeKey(request, out _);
            first ??= key;
            if (key is not null && key.Equals(first))
            {
                requests.Add(request);
            }
        }
        return ShadowBatch.Merge(requests, "mlops-shadow-batch-1").ToByteArray().Length;
    }

    /// <summary>What the stream and the dispatcher do with the merged answer: parse, split, compare each part.</summary>
    [Benchmark]
    public double SplitAndCompare()
    {
        var answer = ModelStreamInferResponse.Parser.ParseFrom(_mergedAnswer);
        ShadowBatch.TrySplit(answer.InferResponse, _rows, out var parts);
        var sum = 0.0;
        for (var i = 0; i < parts.Length; i++)
        {
            var primary = ModelInferResponse.Parser.ParseFrom(_primaryAnswers[i].AsSpan(GrpcRequestPeek.HeaderLength));
            sum += OutputComparer.Compare(primary, parts[i]).MaxAbsDiff;
        }
        return sum;
    }
}
