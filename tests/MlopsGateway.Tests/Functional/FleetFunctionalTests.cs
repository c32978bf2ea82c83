using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
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
using Xunit.Abstractions;

namespace MlopsGateway.Tests.Functional;

/// <summary>
/// Issue 21's fleet on loopback: two gateways, three workers in processes of their own (so one can
/// be killed with SIGKILL), a 3-master Redis Cluster; steady load through both gateways while a
/// route changes, a worker is killed and then the Redis master of the namespace's slot, and no caller sees a failure.
/// </summary>
public sealed class FleetFunctionalTests(ITestOutputHelper output) : FunctionalTest
{
    private const int CallersPerGateway = 3;

    [Fact]
    public async Task ModelInfer_FleetUnderLoad_RouteChangeWorkerKilledRedisMasterKilled_NoCallerSeesAFailure()
    {
        await using var redis = await FleetRedis.StartAsync();
        output.WriteLine($"Redis: {redis.Description}");
        await using var store = await RedisConnector.ConnectAsync(redis.ConnectionString);
        var model = "fleet-" + Guid.NewGuid().ToString("N")[..8];
        var repository = NewRepository(model);
        var secretFile = Path.Combine(repository, "worker-secret");
        await File.WriteAllTextAsync(secretFile, TestSecrets.Worker + "\n");
        var secret = (await new ApiKeyStore(store).CreateAsync("fleet-" + model, [model])).Secret;
        var routes = new RouteStore(store);
        await routes.ChangeAsync(model, (_, _) => new RouteRecord("", "1"), "fleet test", requireRegisteredWorkers: false);

        var workers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => WorkerProcess.StartAsync(repository, 0,
            ["--redis", redis.ConnectionString, "--worker-secret-file", secretFile])));
        var gateways = new List<Fleet.Gateway>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                gateways.Add(await Fleet.Gateway.StartAsync(redis.ConnectionString, NewLogs()));
            }
            foreach (var gateway in gateways)
            {
                foreach (var worker in workers)
                {
                    await StackFixture.WaitForDestinationAsync(gateway.Host, worker.Address);
                }
            }
            var load = new Fleet.Load(gateways, model, StackFixture.WithKey(secret));
            load.Start(CallersPerGateway);

            // Steady load through both gateways.
            await load.AnsweredAsync(60);

            // A route change: every call that set out after a gateway saw it is answered by the canary.
            var changed = Stopwatch.GetTimestamp();
            await routes.ChangeAsync(model, (_, _) => new RouteRecord("", "1", Canary: "2", CanaryWeight: 100), "fleet test");
            var seen = await Task.WhenAll(gateways.Select(g => g.SeesAsync(model, r => r.Canary == "2" && r.CanaryWeight == 100)));
            var propagation = seen.Select(s => Stopwatch.GetElapsedTime(changed, s)).ToArray();
            output.WriteLine($"Route change seen by the gateways after {string.Join(" and ", propagation.Select(p => $"{p.TotalMilliseconds:F0} ms"))}.");
            await load.AnsweredAsync(60);

            // One worker killed with SIGKILL under load: the calls in flight on it are sent again to another.
            await workers[0].DisposeAsync();
            await load.AnsweredAsync(150);

            // A Redis Cluster node killed with SIGKILL: the master of the namespace's slot, where every record
            // lives; its replica takes over. The gateways serve from their snapshot throughout, with no Redis call
            // on the request path. The failover can outlast the workers' records (a 6 s TTL): a gateway keeps a
            // worker whose record vanished while its health checks pass, and the workers write their records
            // again on the promoted master as soon as their connection sees it.
            var killedAt = DateTimeOffset.UtcNow;
            var own = await redis.KillNamespaceMasterAsync();
            output.WriteLine($"Killed master 127.0.0.1:{own.Killed} (the namespace's); 127.0.0.1:{own.Promoted} took over after {(DateTimeOffset.UtcNow - killedAt).TotalMilliseconds:F0} ms.");
            await load.AnsweredAsync(100);
            // The load runs on until both live workers have registered again since the kill and both gateways serve them by their records.
            var workerStore = new WorkerStore(store);
            await Wait.UntilAsync(async () => (await workerStore.ListAsync()).Count(w => w.HeartbeatAt > killedAt) == 2
                && gateways.All(g => g.Snapshot.Workers.Count == 2 && g.Snapshot.Held.Count == 0), 30, ex => ex is RedisException or TimeoutException);
            await load.AnsweredAsync(60);

            // After the failover a route change still reaches both gateways (pub/sub on the promoted master, or a re-read).
            await Wait.UntilAsync(async () =>
            {
                await routes.ChangeAsync(model, (_, _) => new RouteRecord("", "2"), "fleet test");
                return true;
            }, 20, ex => ex is RedisException or TimeoutException
                // The failover may lose the newest writes, worker records among them, until the next heartbeat registers them again.
                or RouteValidationException);
            await Task.WhenAll(gateways.Select(g => g.SeesAsync(model, r => r.Stable == "2" && r.Canary is null)));
            await load.AnsweredAsync(60);

            await load.StopAsync();
            var retries = gateways.SelectMany(g => g.Metrics.Values("mlops.gateway.upstream.retries", ("reason", "reset"))).Sum();
            var unsent = gateways.SelectMany(g => g.Metrics.Values("mlops.gateway.upstream.retries", ("reason", "unsent"))).Sum();
            output.WriteLine($"{load.Answered} calls answered of {load.Attempted}; retried on another worker: {retries} reset, {unsent} unsent.");
            foreach (var (gateway, i) in gateways.Select((g, i) => (g, i + 1)))
            {
                output.WriteLine($"Gateway {i}: " + string.Join("; ", gateway.Logs.Entries
                    .Where(e => e.Event.Name is "WorkerKeptWithoutRecord" or "WorkerRecordBack" or "WorkerDroppedWithoutRecord").Select(e => e.Message)));
            }

            Assert.True(load.Failures.IsEmpty, $"{load.Failures.Count} calls failed: {string.Join(" | ", load.Failures.Take(10))}");
            Assert.Equal(load.Attempted, load.Answered);
            Assert.True(retries + unsent > 0, "A worker was killed under load, yet no call was sent again to another.");
            for (var i = 0; i < gateways.Count; i++)
            {
                Assert.True(propagation[i] <= TimeSpan.FromSeconds(1),
                    $"Gateway {i + 1} saw the route change {propagation[i].TotalMilliseconds:F0} ms after it was written; the issue asks for 1 s.");
                var late = load.AnswersFrom(i, after: seen[i]).Where(v => v != "2").ToArray();
                Assert.True(late.Length == 0, $"Gateway {i + 1} answered {late.Length} calls that set out after it saw the canary at 100% with version {string.Join(", ", late.Distinct())}.");
            }
        }
        finally
        {
            foreach (var gateway in gateways)
            {
                await gateway.DisposeAsync();
            }
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }
            try
            {
                Directory.Delete(repository, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static string NewRepository(string model)
    {
        var repository = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"));
        SampleModels.WritePropensity(repository);
        Directory.Move(Path.Combine(repository, SampleModels.Propensity), Path.Combine(repository, model));
        return repository;
    }

    /// <summary>
    /// The Redis of the fleet: a Redis Cluster on loopback of 3 masters with a replica each (the
    /// replicas let a killed master's slots fail over), whose masters the test kills with SIGKILL.
    /// </summary>
    private sealed class FleetRedis : IAsyncDisposable
    {
        // Every key and channel of the default namespace carries its hash tag: one slot, one master.
        private static readonly string s_namespaceKey = RedisKeys.Default.Routes;
        private readonly RedisClusterProcess _cluster;

        private FleetRedis(RedisClusterProcess cluster) => _cluster = cluster;

        public string ConnectionString => _cluster.Address;

        public string Description => $"a Redis Cluster of 3 masters with a replica each, {_cluster.Address}";

        public static async Task<FleetRedis> StartAsync() =>
            new(await RedisClusterProcess.StartAsync(masters: 3, replicas: 1, nodeTimeout: TimeSpan.FromSeconds(1)));

        /// <summary>Kills the master of the namespace's slot and waits until its replica took over.</summary>
        public async Task<(int Killed, int Promoted)> KillNamespaceMasterAsync()
        {
            var master = await _cluster.MasterOfAsync(s_namespaceKey);
            _cluster.Kill(master);
            return (master, await _cluster.WaitForNewMasterAsync(s_namespaceKey, master));
        }

        public ValueTask DisposeAsync() => _cluster.DisposeAsync();
    }
}

/// <summary>The fleet test's gateways and callers.</summary>
internal static class Fleet
{
    /// <summary>A gateway in this process with a Redis connection of its own.</summary>
    internal sealed class Gateway : IAsyncDisposable
    {
        private Gateway(WebApplication host, ConnectionMultiplexer redis, LogCollector logs)
        {
            Host = host;
            Logs = logs;
            Redis = redis;
            Metrics = new MetricsRecorder(host);
            Client = StackFixture.Client(ServerEndpoints.GrpcAddress(host));
        }

        public WebApplication Host { get; }

        public ConnectionMultiplexer Redis { get; }

        public MetricsRecorder Metrics { get; }

        public LogCollector Logs { get; }

        public GatewaySnapshot Snapshot => Host.Services.GetRequiredService<SnapshotCache>().Current;

        public Inference.GRPCInferenceService.GRPCInferenceServiceClient Client { get; }

        public static async Task<Gateway> StartAsync(string redis, LogCollector logs)
        {
            var connection = await RedisConnector.ConnectAsync(redis);
            var host = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), connection, o => o.WorkerSecret = TestSecrets.Worker, logs.Configure);
            await host.StartAsync();
            return new Gateway(host, connection, logs);
        }

        /// <summary>Waits (5 s at most) until this gateway's snapshot holds a route for <paramref name="model"/> that <paramref name="holds"/>; returns when it saw it.</summary>
        public async Task<long> SeesAsync(string model, Func<RouteRecord, bool> holds)
        {
            var snapshots = Host.Services.GetRequiredService<SnapshotCache>();
            var deadline = Stopwatch.GetTimestamp() + (5 * Stopwatch.Frequency);
            while (!(snapshots.Current.Routes.TryGetValue(model, out var route) && holds(route)))
            {
                Assert.True(Stopwatch.GetTimestamp() < deadline, $"The gateway did not see the route change for {model} within 5 s.");
                await Task.Delay(2);
            }
            return Stopwatch.GetTimestamp();
        }

        public async ValueTask DisposeAsync()
        {
            Metrics.Dispose();
            await Host.StopAsync();
            await Host.DisposeAsync();
            await Redis.DisposeAsync();
        }
    }

    /// <summary>Callers calling through every gateway, one call after another each, until stopped; every outcome recorded.</summary>
    internal sealed class Load(IReadOnlyList<Gateway> gateways, string model, Metadata key)
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentQueue<(int Gateway, long SetOut, string Version)> _answers = new();
        private readonly List<Task> _callers = [];
        private long _attempted;
        private long _answered;

        public ConcurrentQueue<string> Failures { get; } = new();

        public long Attempted => Interlocked.Read(ref _attempted);

        public long Answered => Interlocked.Read(ref _answered);

        public void Start(int callersPerGateway)
        {
            for (var g = 0; g < gateways.Count; g++)
            {
                for (var c = 0; c < callersPerGateway; c++)
                {
                    var gateway = g;
                    _callers.Add(Task.Run(() => CallAsync(gateway)));
                }
            }
        }

        /// <summary>Waits until <paramref name="more"/> further calls were answered (60 s at most: the machine may be busy).</summary>
        public Task AnsweredAsync(int more)
        {
            var target = Answered + more;
            return Wait.UntilAsync(() => Answered >= target || !Failures.IsEmpty, 60);
        }

        /// <summary>The versions that answered the calls through gateway <paramref name="gateway"/> that set out after <paramref name="after"/>.</summary>
        public IEnumerable<string> AnswersFrom(int gateway, long after) =>
            _answers.Where(a => a.Gateway == gateway && a.SetOut > after).Select(a => a.Version);

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_callers);
        }

        private async Task CallAsync(int gateway)
        {
            var request = TestRequests.Propensity(model, [TestRequests.Row]);
            var client = gateways[gateway].Client;
            while (!_stop.IsCancellationRequested)
            {
                var setOut = Stopwatch.GetTimestamp();
                Interlocked.Increment(ref _attempted);
                try
                {
                    // A deadline the call carries (grpc-timeout), generous for a loaded machine.
                    var answer = await client.ModelInferAsync(request, key, deadline: DateTime.UtcNow.AddSeconds(30));
                    _answers.Enqueue((gateway, setOut, answer.ModelVersion));
                    Interlocked.Increment(ref _answered);
                }
                catch (RpcException ex)
                {
                    Failures.Enqueue(string.Create(CultureInfo.InvariantCulture, $"gateway {gateway + 1}: {ex.StatusCode}: {ex.Status.Detail}"));
                }
            }
        }
    }
}
