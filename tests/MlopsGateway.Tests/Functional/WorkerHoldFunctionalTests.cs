using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker.Models;
using StackExchange.Redis;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace MlopsGateway.Tests.Functional;

/// <summary>
/// A worker whose Redis record vanishes (a failover expired it, say) while the gateway's health
/// checks still reach it stays in rotation; one that stops answering is dropped; one that drains
/// leaves on its announcement. Real gateway, real worker, real Redis; the gateway reads Redis only
/// when the test asks (or on an announcement), so each step is a handshake.
/// </summary>
public sealed class WorkerHoldFunctionalTests : FunctionalTest
{
    private static WebApplication Gateway(IConnectionMultiplexer redis, RedisKeys keys, LogCollector logs, TimeSpan grace, TimeSpan probes) =>
        GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis, o =>
        {
            o.Namespace = keys.Namespace;
            o.WorkerSecret = TestSecrets.Worker;
            o.RefreshInterval = TimeSpan.FromMinutes(10);
            o.WorkerGracePeriod = grace;
            o.HealthCheckInterval = probes;
        }, logs.Configure);

    /// <summary>The gateway's destination for the worker at <paramref name="address"/> in the cluster of every worker, once there.</summary>
    private static async Task<DestinationState> DestinationAsync(WebApplication gateway, string address)
    {
        await StackFixture.WaitForDestinationAsync(gateway, address);
        Assert.True(gateway.Services.GetRequiredService<IProxyStateLookup>().TryGetCluster(ProxyTopology.AllCluster, out var all));
        return all.DestinationsState.AllDestinations.Single(d => d.Model.Config.Address.TrimEnd('/') == address);
    }

    /// <summary>Writes the record a registering worker writes for <paramref name="worker"/>, as <paramref name="id"/>, and announces it.</summary>
    private static async Task RegisterAsync(WorkerStore store, string id, WebApplication worker)
    {
        var served = worker.Services.GetRequiredService<ModelRepository>().All.Select(v => new ServedVersion(v.Name, v.Version)).ToArray();
        var now = DateTimeOffset.UtcNow;
        await store.RegisterAsync(new WorkerRecord(id, ServerEndpoints.GrpcAddress(worker), served, true, now, now), TimeSpan.FromMinutes(5));
        await store.AnnounceAsync("up", id);
    }

    /// <summary>
    /// A worker registered by the test as <paramref name="id"/> (nothing else writes or removes its
    /// record, and its stop announces nothing), a gateway with no grace period that probes every 250 ms,
    /// once the gateway's probes found the worker healthy.
    /// </summary>
    private async Task<HoldStack> StartAsync(string id)
    {
        var logs = NewLogs();
        var repository = TestModels.NewRepository();
        var redis = await TestRedis.ConnectAsync();
        var keys = RedisTargets.NewKeys("hold");
        var store = new WorkerStore(redis, keys);
        var key = StackFixture.WithKey((await new ApiKeyStore(redis, keys: keys).CreateAsync("hold", [])).Secret);
        var worker = StackFixture.StartWorker(repository, null, logs);
        await worker.StartAsync();
        await RegisterAsync(store, id, worker);
        // No grace at all: whatever keeps the worker once its record is gone is its health checks.
        var gateway = Gateway(redis, keys, logs, grace: TimeSpan.Zero, probes: TimeSpan.FromMilliseconds(250));
        var metrics = new MetricsRecorder(gateway);
        await gateway.StartAsync();
        var destination = await DestinationAsync(gateway, ServerEndpoints.GrpcAddress(worker));
        await Wait.UntilAsync(() => destination.Health.Active == DestinationHealth.Healthy);
        return new HoldStack(logs, repository, redis, keys, store, key, worker, gateway, metrics, destination);
    }

    [Fact]
    public async Task ModelInfer_RecordVanishedWhileTheWorkerAnswers_StillRoutedUntilItRegistersAgain()
    {
        await using var stack = await StartAsync("held-1");
        var (logs, cache, metrics) = (stack.Logs, stack.Cache, stack.Metrics);

        // The record vanishes as an expired one does: no announcement.
        Assert.True(await stack.Redis.GetDatabase().KeyDeleteAsync(stack.Keys.Worker("held-1")));
        Assert.True(await cache.ReloadAsync());
        Assert.True(await cache.ReloadAsync());

        Assert.Empty(await stack.Store.ListAsync());
        Assert.Equal(["held-1"], cache.Current.Workers.Select(w => w.Id));
        Assert.Equal(["held-1"], cache.Current.Held);
        Assert.Equal("2", (await stack.InferAsync()).ModelVersion);
        var kept = Assert.Single(logs.Entries, e => e.Event.Name == "WorkerKeptWithoutRecord");
        Assert.Equal(2032, kept.Event.Id);
        Assert.Contains("held-1", kept.Message, StringComparison.Ordinal);
        Assert.Equal(1, metrics.Values("mlops.gateway.workers.held").Sum());

        await RegisterAsync(stack.Store, "held-1", stack.Worker);
        await Wait.UntilAsync(() => cache.Current.Held.Count == 0);

        Assert.Equal(["held-1"], cache.Current.Workers.Select(w => w.Id));
        Assert.Single(logs.Entries, e => e.Event.Name == "WorkerRecordBack");
        Assert.Equal(0, metrics.Values("mlops.gateway.workers.held").Sum());
        Assert.Equal("2", (await stack.InferAsync()).ModelVersion);
    }

    [Fact]
    public async Task ModelInfer_RecordVanishedAndTheWorkerStopped_DroppedAndCallsRefused()
    {
        await using var stack = await StartAsync("gone-1");
        var cache = stack.Cache;
        Assert.True(await stack.Redis.GetDatabase().KeyDeleteAsync(stack.Keys.Worker("gone-1")));
        Assert.True(await cache.ReloadAsync());
        Assert.Equal(["gone-1"], cache.Current.Held);

        await stack.Worker.StopAsync();
        await Wait.UntilAsync(() => stack.Destination.Health.Active == DestinationHealth.Unhealthy);
        Assert.True(await cache.ReloadAsync());

        Assert.Empty(cache.Current.Workers);
        Assert.Empty(cache.Current.Held);
        var dropped = Assert.Single(stack.Logs.Entries, e => e.Event.Name == "WorkerDroppedWithoutRecord");
        Assert.Contains("fails its health checks", dropped.Message, StringComparison.Ordinal);
        Assert.Equal(0, stack.Metrics.Values("mlops.gateway.workers.held").Sum());
        var refused = await Assert.ThrowsAsync<RpcException>(stack.InferAsync);
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
    }

    [Fact]
    public async Task Drain_WorkerThatStillAnswersItsProbesLeaves_GoneOnItsAnnouncement()
    {
        var logs = NewLogs();
        var repository = TestModels.NewRepository();
        await using var redis = await TestRedis.ConnectAsync();
        var keys = RedisTargets.NewKeys("hold");
        // A worker that registers and drains itself, as deployed.
        await using var worker = StackFixture.StartWorker(repository, redis, logs, keys);
        await worker.StartAsync();
        var address = ServerEndpoints.GrpcAddress(worker);
        // Grace and probes ten minutes long: neither can take the worker out within this test, only its announcement.
        await using var gateway = Gateway(redis, keys, logs, grace: TimeSpan.FromMinutes(10), probes: TimeSpan.FromMinutes(10));
        await gateway.StartAsync();
        var cache = gateway.Services.GetRequiredService<SnapshotCache>();
        var destination = await DestinationAsync(gateway, address);

        await worker.StopAsync();
        await Wait.UntilAsync(() => cache.Current.Workers.All(w => w.Address != address));

        Assert.NotEqual(DestinationHealth.Unhealthy, destination.Health.Active);
        Assert.Empty(cache.Current.Held);
        Assert.DoesNotContain(logs.Entries, e => e.Event.Name is "WorkerKeptWithoutRecord" or "WorkerDroppedWithoutRecord");
        await gateway.StopAsync();
    }

    private sealed record HoldStack(
        LogCollector Logs, string Repository, ConnectionMultiplexer Redis, RedisKeys Keys, WorkerStore Store, Metadata Key,
        WebApplication Worker, WebApplication Gateway, MetricsRecorder Metrics, DestinationState Destination) : IAsyncDisposable
    {
        public SnapshotCache Cache => Gateway.Services.GetRequiredService<SnapshotCache>();

        public async Task<Inference.ModelInferResponse> InferAsync() =>
            await StackFixture.Client(ServerEndpoints.GrpcAddress(Gateway)).ModelInferAsync(TestRequests.Propensity("propensity", [TestRequests.Row]), Key);

        public async ValueTask DisposeAsync()
        {
            Metrics.Dispose();
            await Gateway.StopAsync();
            await Worker.StopAsync();
            await Gateway.DisposeAsync();
            await Worker.DisposeAsync();
            await Redis.DisposeAsync();
            try
            {
                Directory.Delete(Repository, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
