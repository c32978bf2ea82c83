using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Functional;

/// <summary>A gateway and a worker on each Redis of <see cref="RedisTargets"/> (a Redis Cluster among them), and a cluster that fails over under a gateway.</summary>
public sealed class ClusterFunctionalTests : FunctionalTest
{
    private static WebApplication Gateway(IConnectionMultiplexer redis, RedisKeys keys, LogCollector logs, TimeSpan? refresh = null) =>
        GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis, o =>
        {
            o.Namespace = keys.Namespace;
            o.WorkerSecret = TestSecrets.Worker;
            o.RandomSeed = 5;
            o.RefreshInterval = refresh ?? o.RefreshInterval;
        }, logs.Configure);

    private static bool Holds(WebApplication gateway, string model, RouteRecord? route) =>
        gateway.Services.GetRequiredService<SnapshotCache>().Current.Routes.TryGetValue(model, out var held) && held == route;

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task Stack_OnEachRedis_KeyPredictionCanaryShareAndRouteChange(string target)
    {
        var logs = Watch(new LogCollector { FailLevel = LogLevel.Warning });
        var repository = TestModels.NewRepository();
        await using var redis = await RedisTargets.ConnectAsync(target);
        var keys = RedisTargets.NewKeys();
        var key = (await new ApiKeyStore(redis, keys: keys).CreateAsync("cluster", [])).Secret;
        await using var worker = StackFixture.StartWorker(repository, redis, logs, keys);
        await worker.StartAsync();
        await using var gateway = Gateway(redis, keys, logs);
        await gateway.StartAsync();
        await StackFixture.WaitForDestinationAsync(gateway, ServerEndpoints.GrpcAddress(worker));
        var client = StackFixture.Client(ServerEndpoints.GrpcAddress(gateway));
        var request = TestRequests.Propensity("propensity", [TestRequests.Row]);
        var routes = new RouteStore(redis, keys: keys);

        Assert.Equal("2", (await client.ModelInferAsync(request, StackFixture.WithKey(key))).ModelVersion);
        // The CLI takes the same address: on a cluster, the list of its nodes.
        var (listed, list, _) = await CliRunner.RunAsync("keys", "list", "--redis", RedisTargets.Address(target), "--namespace", keys.Namespace);
        Assert.Equal(0, listed);
        Assert.Contains("cluster", list, StringComparison.Ordinal);
        var canary = await routes.ChangeAsync("propensity", (_, _) => new RouteRecord("", "1", Canary: "2", CanaryWeight: 30), "tests");
        await Wait.UntilAsync(() => Holds(gateway, "propensity", canary.After));
        var versions = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            versions.Add((await client.ModelInferAsync(request, StackFixture.WithKey(key))).ModelVersion);
        }
        var promoted = await routes.ChangeAsync("propensity", (_, _) => new RouteRecord("", "2"), "tests");
        await Wait.UntilAsync(() => Holds(gateway, "propensity", promoted.After));

        Assert.InRange(versions.Count(v => v == "2"), 15, 45);
        Assert.Equal(100, versions.Count(v => v is "1" or "2"));
        Assert.Equal("2", (await client.ModelInferAsync(request, StackFixture.WithKey(key))).ModelVersion);
        await gateway.StopAsync();
        await worker.StopAsync();
    }

    [Fact]
    public async Task Failover_MasterOfTheNamespaceKilled_RouteChangeAfterwardsReachesTheGatewayAndWritesWork()
    {
        var logs = Watch(new LogCollector { FailLevel = LogLevel.Error });
        await using var cluster = await RedisClusterProcess.StartAsync(masters: 3, replicas: 1, nodeTimeout: TimeSpan.FromSeconds(1));
        await using var redis = await RedisConnector.ConnectAsync(cluster.Address);
        var keys = RedisTargets.NewKeys();
        // No timer to hide a lost announcement: only pub/sub and reconnects make this gateway read again.
        await using var gateway = Gateway(redis, keys, logs, refresh: TimeSpan.FromMinutes(10));
        await gateway.StartAsync();
        await gateway.Services.GetRequiredService<SnapshotCache>().FirstLoad.WaitAsync(TimeSpan.FromSeconds(10));
        var routes = new RouteStore(redis, keys: keys);
        var before = await routes.ChangeAsync("m", (_, _) => new RouteRecord("", "1"), "tests", requireRegisteredWorkers: false);
        await Wait.UntilAsync(() => Holds(gateway, "m", before.After));

        // A subscription made before the failover, as the gateway's: it must hear what is published after it.
        var failedOver = false;
        var announced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(keys.RoutesChanged), (_, _) =>
        {
            if (Volatile.Read(ref failedOver))
            {
                announced.TrySetResult();
            }
        });
        // The channel hashes to the namespace's slot: its master carries the subscriptions too.
        var master = await cluster.MasterOfAsync(keys.RoutesChanged);
        Assert.Equal(master, await cluster.MasterOfAsync(keys.Routes));
        // Replication is asynchronous: a write the master acknowledged but had not yet sent its replica is
        // lost with it (a CI run read generation 1 after the failover). WAIT on the connection that wrote
        // it holds until the replica has it, so the test checks the failover, not that race.
        var replicated = await redis.GetServer("127.0.0.1", master).ExecuteAsync("WAIT", 1, 5000);
        Assert.Equal(1, (int)replicated);
        cluster.Kill(master);
        var promoted = await cluster.WaitForNewMasterAsync(keys.Routes, master);
        Volatile.Write(ref failedOver, true);
        // The client learns the new master on its first MOVED or reconnect: a write may fail until then.
        RouteChange? after = null;
        await Wait.UntilAsync(async () =>
        {
            after = await routes.ChangeAsync("m", (_, _) => new RouteRecord("", "2"), "tests", requireRegisteredWorkers: false);
            return true;
        }, seconds: 20, transient: ex => ex is RedisException or TimeoutException);

        await Wait.UntilAsync(() => Holds(gateway, "m", after!.After), seconds: 10);
        await announced.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotEqual(master, promoted);
        Assert.Equal(2, await new RegistryRestore(redis, keys: keys).ReadGenerationAsync());
        ExpectLogs(e => e.Level < LogLevel.Error || e.Message.Contains("Redis", StringComparison.Ordinal));
        await gateway.StopAsync();
    }
}
