using System.Collections.Concurrent;
using System.Net;
using Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using MlopsGateway.LoadTest;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.LoadTest;

/// <summary>
/// The load tool's two clients, <see cref="FrameLoadClient"/> (pre-encoded frames, the default) and
/// <see cref="OipLoadClient"/> (Grpc.Net.Client), against a real gateway and worker: they send the
/// same bytes and count successes and failures by the same statuses.
/// </summary>
public sealed class LoadClientParityTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime
{
    private readonly ConcurrentQueue<byte[]> _bodies = new();
    private WebApplication _worker = null!;
    private string _workerAddress = "";

    // What arrives on the wire, before the gRPC server reads it.
    public async Task InitializeAsync() => (_worker, _workerAddress) = await OpenWorker.StartAsync(stack.Repository, app => app.Use(async (context, next) =>
    {
        if (context.Request.Path.Value?.EndsWith("/ModelInfer", StringComparison.Ordinal) == true)
        {
            context.Request.EnableBuffering();
            using var copy = new MemoryStream();
            await context.Request.Body.CopyToAsync(copy);
            context.Request.Body.Position = 0;
            _bodies.Enqueue(copy.ToArray());
        }
        await next(context);
    }));

    public async Task DisposeAsync() => await _worker.DisposeAsync();

    private static ModelInferRequest Valid(int i) => TestRequests.Propensity("propensity", [[i, 12.5f, 2, 14, 4]]);

    // Four features where the model takes five: the worker refuses it with INVALID_ARGUMENT.
    private static ModelInferRequest Invalid()
    {
        var request = new ModelInferRequest { ModelName = "propensity" };
        TestRequests.AddInput(request, "features", "FP32", [1, 4], c => c.Fp32Contents.Add([1f, 2f, 3f, 4f]));
        return request;
    }

    private static async Task<LevelResult> RunAsync(LoadCall call, long requests)
    {
        var plan = new LoadPlan { Concurrency = [4], Warmup = TimeSpan.Zero, Duration = TimeSpan.FromMinutes(1), MaxRequestsPerLevel = requests };
        var result = await new LoadRunner(plan, call).RunAsync(CancellationToken.None);
        return Assert.Single(result.Levels);
    }

    private async Task<(LevelResult Frames, LevelResult Grpc)> BothAsync(string target, string? key, IReadOnlyList<ModelInferRequest> requests, long count)
    {
        using var frames = new FrameLoadClient(target, key, connections: 2);
        using var grpc = new OipLoadClient(target, key, connections: 2);
        var timeout = TimeSpan.FromSeconds(10);
        return (await RunAsync(frames.InferCall(requests, timeout), count), await RunAsync(grpc.InferCall(requests, timeout), count));
    }

    [Fact]
    public async Task ThroughGateway_WorkerRejectsHalf_BothClientsCountInvalidArgumentAlike()
    {
        var (frames, grpc) = await BothAsync(stack.GatewayAddress, stack.AllModelsKey, [Valid(1), Invalid()], 40);

        foreach (var level in new[] { frames, grpc })
        {
            Assert.Equal((40L, 20L), (level.Requests, level.Ok));
            Assert.Equal(new Dictionary<string, long> { ["InvalidArgument"] = 20 }, level.ErrorsByStatus);
            Assert.Equal(20, level.Histogram!.TotalCount);
        }
        // The worker's own words reach both, decoded the same way (grpc-message is percent-encoded).
        Assert.Equal(grpc.ErrorMessages, frames.ErrorMessages);
        Assert.Contains("features", frames.ErrorMessages["InvalidArgument"]);
    }

    [Fact]
    public async Task ThroughGateway_WrongKey_BothClientsCountUnauthenticated()
    {
        var (frames, grpc) = await BothAsync(stack.GatewayAddress, "mlk_wrong-key-for-tests", [Valid(1)], 12);

        Assert.Equal(new Dictionary<string, long> { ["Unauthenticated"] = 12 }, frames.ErrorsByStatus);
        Assert.Equal(grpc.ErrorsByStatus, frames.ErrorsByStatus);
        Assert.Equal((0L, 0L), (frames.Ok, grpc.Ok));
    }

    [Fact]
    public async Task NothingListening_BothClientsCountUnavailable()
    {
        // A port that was free a moment ago: connections are refused.
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var (frames, grpc) = await BothAsync($"http://127.0.0.1:{port}", null, [Valid(1)], 8);

        Assert.Equal(new Dictionary<string, long> { ["Unavailable"] = 8 }, frames.ErrorsByStatus);
        Assert.Equal(grpc.ErrorsByStatus, frames.ErrorsByStatus);
    }

    [Fact]
    public async Task ToWorker_FramesOnTheWire_AreTheBytesGrpcSendsAndDecodeToTheRequests()
    {
        ModelInferRequest[] requests = [Valid(1), Valid(2), Valid(3)];
        var expected = requests.Select(OipLoadClient.GrpcFrame).ToList();

        using (var frames = new FrameLoadClient(_workerAddress, null))
        {
            Assert.Equal(6, (await RunAsync(frames.InferCall(requests, TimeSpan.FromSeconds(10)), 6)).Ok);
        }
        var framesBodies = DrainBodies();
        using (var grpc = new OipLoadClient(_workerAddress, null))
        {
            Assert.Equal(6, (await RunAsync(grpc.InferCall(requests, TimeSpan.FromSeconds(10)), 6)).Ok);
        }
        var grpcBodies = DrainBodies();

        // Each request twice, in turn; the order of arrival is the callers', so compare as sets with counts.
        Assert.Equal(Sorted(grpcBodies), Sorted(framesBodies));
        Assert.Equal(Sorted(expected.Concat(expected).ToList()), Sorted(framesBodies));
        var decoded = framesBodies.Select(b => ModelInferRequest.Parser.ParseFrom(b.AsSpan(5).ToArray())).ToList();
        Assert.All(requests, r => Assert.Equal(2, decoded.Count(d => d.Equals(r))));
    }

    private List<byte[]> DrainBodies()
    {
        var bodies = new List<byte[]>();
        while (_bodies.TryDequeue(out var body))
        {
            bodies.Add(body);
        }
        return bodies;
    }

    private static List<string> Sorted(IEnumerable<byte[]> bodies) => bodies.Select(Convert.ToBase64String).Order(StringComparer.Ordinal).ToList();
}
