using System.Collections.Concurrent;
using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.LoadTest;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker.Models;
using StackExchange.Redis;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace MlopsGateway.Tests.Functional;

/// <summary>Redis going away and coming back, and a worker dying under load or dying and coming back, while callers keep calling.</summary>
public sealed class ResilienceFunctionalTests : FunctionalTest
{
    private static string NewRepository(string model)
    {
        var repository = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"));
        SampleModels.WritePropensity(repository);
        Directory.Move(Path.Combine(repository, SampleModels.Propensity), Path.Combine(repository, model));
        return repository;
    }

    private static async Task<WebApplication> StartGatewayAsync(IConnectionMultiplexer redis, LogCollector logs, Action<GatewayOptions>? configure = null)
    {
        var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis, o =>
        {
            // The workers of StackFixture.StartWorker take only their gateways' calls.
            o.WorkerSecret = TestSecrets.Worker;
            configure?.Invoke(o);
        }, logs.Configure);
        await gateway.StartAsync();
        return gateway;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ModelInfer_RedisStoppedAndRestarted_ServesThroughoutAndTakesLaterChanges(bool losingItsData)
    {
        await using var stack = await RoutedStack.StartAsync("outage", NewLogs);
        var (server, model, logs, keys, routes, client, request) = (stack.Server, stack.Model, stack.Logs, stack.Keys, stack.Routes, stack.Client, stack.Request);
        var key = StackFixture.WithKey((await keys.CreateAsync("outage", [model])).Secret);
        using var metrics = new MetricsRecorder(stack.Gateway);
        await Wait.UntilAsync(async () => (await client.ModelInferAsync(request, key)).ModelVersion == "1");

        await (losingItsData ? server.StopLosingDataAsync() : server.StopAsync());
        // Served from the last snapshot once the gateway's connection has seen the outage, and after.
        await Wait.UntilAsync(async () =>
        {
            Assert.Equal("1", (await client.ModelInferAsync(request, key)).ModelVersion);
            return !stack.Redis.IsConnected;
        });
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("1", (await client.ModelInferAsync(request, key)).ModelVersion);
        }

        await server.StartAgainAsync();
        // Callers are answered by the route's version all along; Redis holds the key and the route
        // again (saved, or written back by the gateway, which counts the write-back once it has logged it).
        await Wait.UntilAsync(async () =>
        {
            Assert.Equal("1", (await client.ModelInferAsync(request, key)).ModelVersion);
            return (await keys.ListAsync()).Any(k => k.Name == "outage") && await routes.GetAsync(model) is not null
                && (!losingItsData || metrics.Values("mlops.gateway.redis.restores").Sum() > 0);
        }, 20, ex => ex is RedisException or TimeoutException);
        Assert.Equal("stable 1", (await routes.GetAsync(model))!.Describe());
        var history = Assert.Single(await routes.HistoryAsync(model));
        if (losingItsData)
        {
            // The audit trail went with the data; the route written back is audited as new.
            Assert.Contains("Redis lost changes", history.By, StringComparison.Ordinal);
            Assert.Null(history.Before);
            Assert.Contains(logs.Entries, e => e.Event.Name == "RedisChangesRestored"
                && e.Message.Contains("1 API keys written and 0 removed, 1 routes written and 0 removed", StringComparison.Ordinal));
            Assert.Equal(1, metrics.Values("mlops.gateway.redis.restores").Sum());
        }
        else
        {
            Assert.Equal("tests", history.By);
            Assert.DoesNotContain(logs.Entries, e => e.Event.Name == "RedisChangesRestored");
            Assert.Equal(0, metrics.Values("mlops.gateway.redis.restores").Sum());
        }
        // The route changes once the worker has registered again (validation needs it) and Redis answers.
        await Wait.UntilAsync(async () =>
        {
            await routes.ChangeAsync(model, (route, _) => route! with { Stable = "2" }, "tests");
            return true;
        }, 20, ex => ex is RedisException or RouteValidationException or TimeoutException);
        await Wait.UntilAsync(async () => (await client.ModelInferAsync(request, key)).ModelVersion == "2");

        // The outage is logged once, not per failed read.
        Assert.True(logs.Entries.Count(e => e.Event.Name == "RedisUnavailable") <= 1);
    }

    [Fact]
    public async Task ModelInfer_RedisRestartedFromAnOlderSave_RevokedKeyStaysRefusedAndTheNewerRouteStays()
    {
        await using var stack = await RoutedStack.StartAsync("rewound", NewLogs);
        var (server, model, logs, keys, routes, client, request) = (stack.Server, stack.Model, stack.Logs, stack.Keys, stack.Routes, stack.Client, stack.Request);
        var kept = (await keys.CreateAsync("kept", [model])).Secret;
        var revoked = (await keys.CreateAsync("revoked", [model])).Secret;
        using var metrics = new MetricsRecorder(stack.Gateway);
        await Wait.UntilAsync(async () => (await client.ModelInferAsync(request, StackFixture.WithKey(revoked))).ModelVersion == "1");
        await server.SaveAsync();
        // Changes after the last save, which a crash then loses.
        await keys.RevokeAsync("revoked");
        await routes.ChangeAsync(model, (route, _) => route! with { Stable = "2" }, "tests");
        async Task<bool> NewerStateServedAsync()
        {
            var answered = await client.ModelInferAsync(request, StackFixture.WithKey(kept));
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.ModelInferAsync(request, StackFixture.WithKey(revoked)));
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
            return answered.ModelVersion == "2";
        }
        await Wait.UntilAsync(NewerStateServedAsync);

        await server.StopLosingDataAsync(keepingLastSave: true);
        await server.StartAgainAsync();
        // The older save holds the revoked key and the old route; the gateway never serves them and puts its own back.
        await Wait.UntilAsync(async () =>
        {
            Assert.True(await NewerStateServedAsync());
            return (await keys.ListAsync()).All(k => k.Name != "revoked") && (await routes.GetAsync(model))?.Stable == "2"
                && metrics.Values("mlops.gateway.redis.restores").Sum() > 0;
        }, 20, ex => ex is RedisException or TimeoutException);

        Assert.Contains(logs.Entries, e => e.Event.Name == "RedisChangesRestored"
            && e.Message.Contains("0 API keys written and 1 removed, 1 routes written and 0 removed", StringComparison.Ordinal));
        var restore = (await routes.HistoryAsync(model))[0];
        Assert.Contains("Redis lost changes", restore.By, StringComparison.Ordinal);
        Assert.Equal(("stable 1", "stable 2"), (restore.Before!.Describe(), restore.After!.Describe()));
    }

    [Fact]
    public async Task ModelInfer_TwoGatewaysAndRedisRestartedEmpty_OneWritesBackAndBothServeThroughout()
    {
        await using var stack = await RoutedStack.StartAsync("pair", NewLogs);
        await using var otherRedis = await RedisConnector.ConnectAsync(stack.Server.Address);
        var otherLogs = NewLogs();
        await using var other = await StartGatewayAsync(otherRedis, otherLogs, o => o.RefreshInterval = TimeSpan.FromMilliseconds(200));
        await StackFixture.WaitForDestinationAsync(other, ServerEndpoints.GrpcAddress(stack.Worker));
        using var metrics = new MetricsRecorder(stack.Gateway);
        using var otherMetrics = new MetricsRecorder(other);
        var key = StackFixture.WithKey((await stack.Keys.CreateAsync("pair", [stack.Model])).Secret);
        var clients = new[] { stack.Client, StackFixture.Client(ServerEndpoints.GrpcAddress(other)) };
        async Task<bool> BothServeVersion1Async()
        {
            foreach (var client in clients)
            {
                Assert.Equal("1", (await client.ModelInferAsync(stack.Request, key)).ModelVersion);
            }
            return true;
        }
        double Restores() => metrics.Values("mlops.gateway.redis.restores").Sum() + otherMetrics.Values("mlops.gateway.redis.restores").Sum();
        await Wait.UntilAsync(async () =>
        {
            try
            {
                return await BothServeVersion1Async();
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated)
            {
                // The new key has not reached that gateway yet.
                return false;
            }
        });

        await stack.Server.StopLosingDataAsync();
        await stack.Server.StartAgainAsync();
        await Wait.UntilAsync(async () => await BothServeVersion1Async() && Restores() > 0
            && (await stack.Keys.ListAsync()).Any(k => k.Name == "pair"), 20, ex => ex is RedisException or TimeoutException);
        // Once both hold a key created after the write-back, both have read Redis again since: the one
        // that came second found the count back where it had seen it, and wrote nothing back.
        var later = (await stack.Keys.CreateAsync("pair-later", [stack.Model])).Secret;
        await Wait.UntilAsync(() => Task.FromResult(new[] { stack.Gateway, other }
            .All(g => g.Services.GetRequiredService<SnapshotCache>().Current.Keys.Find(later) is not null)));

        Assert.Equal(1, Restores());
        Assert.True(await BothServeVersion1Async());
        Assert.Equal("stable 1", (await stack.Routes.GetAsync(stack.Model))!.Describe());
        await other.StopAsync();
    }

    [Fact]
    public async Task ModelInfer_EveryKeyRevoked_NotWrittenBack()
    {
        await using var server = await RedisProcess.StartAsync();
        await using var redis = await RedisConnector.ConnectAsync(server.Address);
        var logs = NewLogs();
        var keys = new ApiKeyStore(redis);
        var secret = (await keys.CreateAsync("revoked", [])).Secret;
        await using var gateway = await StartGatewayAsync(redis, logs, o => o.RefreshInterval = TimeSpan.FromMilliseconds(100));
        var reads = 0;
        gateway.Services.GetRequiredService<SnapshotCache>().Changed += _ => Interlocked.Increment(ref reads);
        var client = StackFixture.Client(ServerEndpoints.GrpcAddress(gateway));
        var request = TestRequests.Propensity("revoked-model", [TestRequests.Row]);
        async Task<StatusCode> StatusAsync()
        {
            try
            {
                await client.ModelInferAsync(request, StackFixture.WithKey(secret));
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                return ex.StatusCode;
            }
        }
        // Accepted (no worker serves the model, so not OK either).
        await Wait.UntilAsync(async () => await StatusAsync() != StatusCode.Unauthenticated);

        await keys.RevokeAsync("revoked");
        await Wait.UntilAsync(async () => await StatusAsync() == StatusCode.Unauthenticated);
        // Three reads of Redis later (the timer's) the key is still revoked: emptied is not lost.
        var revokedAt = Volatile.Read(ref reads);
        await Wait.UntilAsync(() => Volatile.Read(ref reads) >= revokedAt + 3);

        Assert.Equal(StatusCode.Unauthenticated, await StatusAsync());
        Assert.Empty(await keys.ListAsync());
        Assert.DoesNotContain(logs.Entries, e => e.Event.Name == "RedisChangesRestored");
        await gateway.StopAsync();
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public async Task ModelInfer_WorkerStoppedUnderLoad_NoCallFails(bool killed, bool discoveredInRedis)
    {
        // A Redis of its own: a killed worker's record lingers until its TTL, and no other test's gateway should see it.
        await using var server = await RedisProcess.StartAsync();
        await using var shared = await RedisConnector.ConnectAsync(server.Address);
        var model = "stop-" + Guid.NewGuid().ToString("N")[..8];
        var repository = NewRepository(model);
        var logs = NewLogs();
        var secret = (await new ApiKeyStore(shared).CreateAsync("stop", [model])).Secret;
        // The leaving worker has a Redis connection of its own: closing it first keeps a killed worker
        // from announcing its departure, as a killed process could not.
        var leavingRedis = await RedisConnector.ConnectAsync(server.Address);
        var leavingLogs = NewLogs();
        // Given to the gateway by address (mlops gateway --worker), a worker has only its answers and health checks to leave by.
        var leaving = StackFixture.StartWorker(repository, discoveredInRedis ? leavingRedis : null, leavingLogs);
        await using var staying = StackFixture.StartWorker(repository, discoveredInRedis ? shared : null, NewLogs());
        await Task.WhenAll(leaving.StartAsync(), staying.StartAsync());
        await using var gateway = await StartGatewayAsync(shared, logs, discoveredInRedis
            ? null
            : o => o.Workers.AddRange([ServerEndpoints.GrpcAddress(leaving), ServerEndpoints.GrpcAddress(staying)]));
        await StackFixture.WaitForDestinationAsync(gateway, ServerEndpoints.GrpcAddress(leaving));
        await StackFixture.WaitForDestinationAsync(gateway, ServerEndpoints.GrpcAddress(staying));
        var client = StackFixture.Client(ServerEndpoints.GrpcAddress(gateway));
        var key = StackFixture.WithKey(secret);
        var request = TestRequests.Propensity(model, [TestRequests.Row]);
        await Wait.UntilAsync(async () => (await client.ModelInferAsync(request, key)).ModelName == model);

        const int Callers = 8;
        var succeeded = 0;
        var failures = new ConcurrentQueue<string>();
        var loaded = new TaskCompletionSource();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        async Task LoadAsync()
        {
            // Bounded in count and time.
            for (var i = 0; i < 250 && !stop.IsCancellationRequested; i++)
            {
                try
                {
                    await client.ModelInferAsync(request, key, cancellationToken: stop.Token);
                    if (Interlocked.Increment(ref succeeded) == 200)
                    {
                        loaded.TrySetResult();
                    }
                }
                catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled || !stop.IsCancellationRequested)
                {
                    failures.Enqueue($"{ex.StatusCode}: {ex.Status.Detail}");
                }
            }
        }
        var load = Task.WhenAll(Enumerable.Range(0, Callers).Select(_ => Task.Run(LoadAsync)));

        await loaded.Task.WaitAsync(TimeSpan.FromSeconds(20));
        if (killed)
        {
            // Its registration's heartbeat then meets the closed connection, and the resource monitor's loop
            // (Microsoft.Extensions.Diagnostics.ResourceMonitoring) throws on the already cancelled stop: a
            // killed process would live to log neither.
            ExpectLogs(e => e.Event.Name is "BackgroundServiceFaulted" or "BackgroundServiceStoppingHost"
                && (e.Message.Contains("Cannot access a disposed object", StringComparison.Ordinal)
                    || e.Message.Contains("A task was canceled", StringComparison.Ordinal)), leavingLogs);
            await leavingRedis.DisposeAsync();
            await leaving.StopAsync(new CancellationToken(canceled: true));
        }
        else
        {
            await leaving.StopAsync();
        }
        await leaving.DisposeAsync();
        await load;

        Assert.Equal(Callers * 250, succeeded + failures.Count);
        // Killed: the calls in flight on it were sent again to the other worker (the gateway kept their bodies).
        // Stopped: it left discovery (or marked its answers draining) first and answered what was already on its way.
        Assert.True(failures.IsEmpty, string.Join(" | ", failures) + "; the gateway's forwarding log: "
            + string.Join(" | ", logs.Entries.Where(e => e.Event.Name is "CallerAbandoned" or "UpstreamFailed").Select(e => e.Message)));
        if (!killed)
        {
            Assert.Contains(leavingLogs.Entries, e => e.Event.Name == "WorkerDraining");
            Assert.Contains(discoveredInRedis ? leavingLogs.Entries : logs.Entries,
                e => e.Event.Name == (discoveredInRedis ? "WorkerDeregistered" : "WorkerDraining"));
        }
        await gateway.StopAsync();
        await staying.StopAsync();
        await leavingRedis.DisposeAsync();
    }

    [Fact]
    public async Task ModelInfer_WorkerKilledThenRestartedOnItsAddress_LeavesRotationThenGetsCallsAgain()
    {
        // Static workers (mlops gateway --worker), each in a process of its own: the restarted one is the same
        // YARP destination, passive health state included, and its own metrics page counts what reaches it.
        await using var redis = await TestRedis.ConnectIsolatedAsync();
        var model = "revive-" + Guid.NewGuid().ToString("N")[..8];
        var repository = NewRepository(model);
        var secret = (await new ApiKeyStore(redis).CreateAsync("revive-" + model, [model])).Secret;
        var started = await Task.WhenAll(WorkerProcess.StartAsync(repository), WorkerProcess.StartAsync(repository));
        await using var survivor = started[0];
        var doomed = started[1];
        try
        {
            var logs = NewLogs();
            await using var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis,
                o =>
                {
                    o.Workers.AddRange([survivor.Address, doomed.Address]);
                    // Passive health alone is under test: an active probe failing first (a busy machine slows
                    // the calls, not the probes) would take the worker out without it.
                    o.HealthCheckInterval = TimeSpan.FromMinutes(10);
                }, logs.Configure);
            await gateway.StartAsync();
            var proxy = gateway.Services.GetRequiredService<IProxyStateLookup>();
            Assert.True(proxy.TryGetCluster(ProxyTopology.AllCluster, out var cluster));
            var destination = cluster.DestinationsState.AllDestinations.Single(d => d.Model.Config.Address == doomed.Address);
            var client = StackFixture.Client(ServerEndpoints.GrpcAddress(gateway));
            var key = StackFixture.WithKey(secret);
            var request = TestRequests.Propensity(model, [TestRequests.Row]);
            await Wait.UntilAsync(async () => (await client.ModelInferAsync(request, key)).ModelName == model);
            var failures = new List<string>();
            async Task CallAsync()
            {
                try
                {
                    await client.ModelInferAsync(request, key);
                }
                catch (RpcException ex)
                {
                    failures.Add($"{ex.StatusCode}: {ex.Status.Detail}");
                }
            }

            var port = new Uri(doomed.Address).Port;
            await doomed.DisposeAsync();
            // Calls that meet the dead worker fail before reaching it and are retried on the survivor; enough of
            // them take it out by passive health (the probes are ten minutes apart).
            await Wait.UntilAsync(async () =>
            {
                await CallAsync();
                return !cluster.DestinationsState.AvailableDestinations.Contains(destination);
            });
            Assert.Equal(DestinationHealth.Unhealthy, destination.Health.Passive);

            doomed = await WorkerProcess.StartAsync(repository, port);
            // Within its reactivation period (YARP's 60 s detection window would keep it out a minute).
            await Wait.UntilAsync(async () =>
            {
                await CallAsync();
                return await RequestsCountedAsync(doomed, model) > 0;
            }, 15);

            Assert.True(failures.Count == 0, string.Join(" | ", failures));
                await gateway.StopAsync();
        }
        finally
        {
            await doomed.DisposeAsync();
        }
    }

    private static async Task<double> RequestsCountedAsync(WorkerProcess worker, string model)
    {
        using var http = new HttpClient();
        var page = await http.GetStringAsync(worker.MetricsAddress);
        return PrometheusText.Parse(page)
            .Where(s => s.Name == ServerMetricsProbe.RequestsTotal && s.Label("model") == model)
            .Sum(s => s.Value);
    }

    /// <summary>
    /// A redis-server of the test's own that it may stop, a worker and a gateway on it, and a route
    /// sending <see cref="Model"/> to version 1; callers need a key the test creates.
    /// </summary>
    private sealed class RoutedStack : IAsyncDisposable
    {
        private RoutedStack(RedisProcess server, ConnectionMultiplexer redis, string model, WebApplication worker, WebApplication gateway, LogCollector logs)
        {
            (Server, Redis, Model, Worker, Gateway, Logs) = (server, redis, model, worker, gateway, logs);
            Keys = new ApiKeyStore(redis);
            Routes = new RouteStore(redis);
            Client = StackFixture.Client(ServerEndpoints.GrpcAddress(gateway));
            Request = TestRequests.Propensity(model, [TestRequests.Row]);
        }

        public RedisProcess Server { get; }

        public ConnectionMultiplexer Redis { get; }

        public string Model { get; }

        public WebApplication Worker { get; }

        public WebApplication Gateway { get; }

        /// <summary>The gateway's log.</summary>
        public LogCollector Logs { get; }

        public ApiKeyStore Keys { get; }

        public RouteStore Routes { get; }

        public Inference.GRPCInferenceService.GRPCInferenceServiceClient Client { get; }

        public Inference.ModelInferRequest Request { get; }

        public static async Task<RoutedStack> StartAsync(string prefix, Func<LogCollector> newLogs)
        {
            var server = await RedisProcess.StartAsync();
            var redis = await RedisConnector.ConnectAsync(server.Address);
            var model = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
            var worker = StackFixture.StartWorker(NewRepository(model), redis, newLogs());
            await worker.StartAsync();
            var logs = newLogs();
            var gateway = await StartGatewayAsync(redis, logs);
            var stack = new RoutedStack(server, redis, model, worker, gateway, logs);
            await StackFixture.WaitForDestinationAsync(gateway, ServerEndpoints.GrpcAddress(worker));
            await stack.Routes.ChangeAsync(model, (_, _) => new RouteRecord("", "1"), "tests");
            return stack;
        }

        public async ValueTask DisposeAsync()
        {
            await Gateway.StopAsync();
            await Worker.StopAsync();
            await Gateway.DisposeAsync();
            await Worker.DisposeAsync();
            await Redis.DisposeAsync();
            await Server.DisposeAsync();
        }
    }
}
