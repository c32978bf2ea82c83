using System.Net;
using Grpc.Core;
using Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Gateway;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Models;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Functional;

/// <summary>
/// A caller's deadline and cancellation travel through the gateway to the worker: the queued
/// request leaves the worker's queue and never runs.
/// </summary>
public sealed class DeadlineFunctionalTests : FunctionalTest, IAsyncLifetime
{
    private readonly string _repository = TestModels.NewRepository();
    private readonly LogCollector _logs;
    private ConnectionMultiplexer _redis = null!;
    private WebApplication _worker = null!;
    private WebApplication _gateway = null!;
    private MetricsRecorder _workerMetrics = null!;
    private ModelVersion _slow = null!;
    private string _key = "";

    public DeadlineFunctionalTests()
    {
        _logs = NewLogs();
    }

    public async Task InitializeAsync()
    {
        // Version 1 waits 30 s for a batch to fill: a request stays queued far past its deadline.
        File.WriteAllText(Path.Combine(_repository, "propensity", "1", ModelConfig.FileName), """{ "max_queue_delay_us": 30000000 }""");
        _redis = await TestRedis.ConnectIsolatedAsync();
        _key = (await new ApiKeyStore(_redis).CreateAsync("deadline-" + Guid.NewGuid().ToString("N"), [])).Secret;
        _worker = WorkerHost.Build(new IPEndPoint(IPAddress.Loopback, 0), o => o.ModelRepository = _repository, _logs.Configure);
        await _worker.StartAsync();
        _workerMetrics = new MetricsRecorder(_worker);
        Assert.True(_worker.Services.GetRequiredService<ModelRepository>().TryResolve("propensity", "1", out var slow));
        _slow = slow!;
        var workerAddress = ServerEndpoints.GrpcAddress(_worker);
        _gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), _redis, o => o.Workers.Add(workerAddress), _logs.Configure);
        await _gateway.StartAsync();
        await StackFixture.WaitForDestinationAsync(_gateway, workerAddress);
    }

    public async Task DisposeAsync()
    {
        _workerMetrics.Dispose();
        await _gateway.StopAsync();
        await _worker.StopAsync();
        await _gateway.DisposeAsync();
        await _worker.DisposeAsync();
        await _redis.DisposeAsync();
        Directory.Delete(_repository, recursive: true);
    }

    private static ModelInferRequest Slow() => TestRequests.Propensity("propensity", [TestRequests.Row], version: "1");

    [Fact]
    public async Task ModelInfer_DeadlinePassesWhileQueued_WorkerDropsItUnrun()
    {
        var client = StackFixture.Client(ServerEndpoints.GrpcAddress(_gateway));

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.ModelInferAsync(
            // Long enough to reach the worker on a crowded machine (at 500 ms a CI run's call never did), far short of its 30 s wait.
            Slow(), StackFixture.WithKey(_key), deadline: DateTime.UtcNow.AddSeconds(2)).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        await Wait.UntilAsync(() => _slow.Batcher.QueueDepth == 0);
        Assert.Equal(0, _slow.Batcher.Runs);
        // The worker answered the call itself, unrun: as DeadlineExceeded when its own deadline
        // (grpc-timeout, carried across the gateway) fired first, as Cancelled when the caller's
        // reset of the stream arrived first; the two race within a millisecond.
        await Wait.UntilAsync(() =>
            _workerMetrics.Values("mlops.worker.requests", ("status", "DeadlineExceeded")).Count
            + _workerMetrics.Values("mlops.worker.requests", ("status", "Cancelled")).Count == 1);
    }

    [Fact]
    public async Task ModelInfer_CallerCancelsWhileQueued_SlotFreedAndNeverRun()
    {
        var client = StackFixture.Client(ServerEndpoints.GrpcAddress(_gateway));
        using var cancel = new CancellationTokenSource();

        var call = client.ModelInferAsync(Slow(), StackFixture.WithKey(_key), cancellationToken: cancel.Token).ResponseAsync;
        await Wait.UntilAsync(() => _slow.Batcher.QueueDepth == 1);
        await cancel.CancelAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await Wait.UntilAsync(() => _slow.Batcher.QueueDepth == 0);
        Assert.Equal(0, _slow.Batcher.Runs);
    }
}
