using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using MlopsGateway.Gateway;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Models;
using MlopsGateway.Registry.Rollouts;
using MlopsGateway.Worker.Models;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// A worker serving <see cref="RolloutModels"/> and gateways with fast rollout controllers, in a
/// namespace of their own on the test Redis, plus a load of gRPC calls through the first gateway.
/// Model <c>canary</c>: 1 stable, 2 the same, 3 fails rows whose feature 0 is <see cref="RolloutModels.FailingIndex"/>,
/// 5 swaps the classes. Model <c>chain</c>: 1, and 4 with 240 times its work (so the canary is slower end to end on a busy machine too, not only in the model). Both registered (READY) so aliases can move.
/// </summary>
public sealed class RolloutStack : IAsyncDisposable
{
    public const string Canary = "canary";
    public const string Chain = "chain";

    private readonly List<WebApplication> _gateways = [];
    private readonly HashSet<int> _stopped = [];
    private readonly LogCollector _logs;
    private CancellationTokenSource? _load;
    private Task[] _callers = [];
    private long _calls;
    private long _failed;

    private RolloutStack(LogCollector logs) => _logs = logs;

    public RedisKeys Keys { get; } = RedisTargets.NewKeys("ro");

    public string Repository { get; } = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"));

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public WebApplication Worker { get; private set; } = null!;

    public IReadOnlyList<WebApplication> Gateways => _gateways;

    public string Key { get; private set; } = "";

    public RolloutStore Rollouts => new(Redis, Keys);

    public RouteStore Routes => new(Redis, keys: Keys);

    /// <summary>Calls made by the load, and how many failed.</summary>
    public (long Calls, long Failed) Load => (Interlocked.Read(ref _calls), Interlocked.Read(ref _failed));

    public static async Task<RolloutStack> StartAsync(LogCollector logs, int gateways = 1)
    {
        var stack = new RolloutStack(logs);
        RolloutModels.Write(stack.Repository, Canary, "1");
        RolloutModels.Write(stack.Repository, Canary, "2");
        RolloutModels.Write(stack.Repository, Canary, "3", table: 10);
        RolloutModels.Write(stack.Repository, Canary, "5", disagree: true);
        RolloutModels.Write(stack.Repository, Chain, "1", chain: 2);
        RolloutModels.Write(stack.Repository, Chain, "4", chain: 480);
        stack.Redis = await TestRedis.ConnectAsync();
        var registry = new ModelRegistry(stack.Redis, keys: stack.Keys);
        foreach (var (model, version) in new[] { (Canary, "1"), (Canary, "2"), (Canary, "3"), (Canary, "5"), (Chain, "1"), (Chain, "4") })
        {
            await registry.PushAsync(CatalogFixture.Draft(model, version, Path.Combine(stack.Repository, model, version, ModelRepository.ModelFileName)));
        }
        await registry.SetAliasAsync(Canary, "champion", "1", "tests");
        stack.Key = (await new ApiKeyStore(stack.Redis, keys: stack.Keys).CreateAsync("rollout-tests", [])).Secret;
        stack.Worker = StackFixture.StartWorker(stack.Repository, stack.Redis, logs, stack.Keys);
        await stack.Worker.StartAsync();
        for (var i = 0; i < gateways; i++)
        {
            await stack.StartGatewayAsync();
        }
        foreach (var model in new[] { Canary, Chain })
        {
            await stack.Routes.ChangeAsync(model, (_, _) => new RouteRecord(model, "1"), "tests");
        }
        return stack;
    }

    /// <summary>Starts one more gateway (its controller contends for the lease).</summary>
    public async Task<WebApplication> StartGatewayAsync()
    {
        var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), Redis, o =>
        {
            o.Namespace = Keys.Namespace;
            o.WorkerSecret = TestSecrets.Worker;
            o.TelemetryFlushInterval = TimeSpan.FromMilliseconds(500);
            // Copies must not yield to the busy test machine's callers: they are the disagreement evidence.
            o.ShadowCpuLimit = 100;
            o.RolloutTick = TimeSpan.FromMilliseconds(200);
            o.RolloutLeaseTtl = TimeSpan.FromSeconds(3);
            o.RolloutSettleDelay = TimeSpan.FromSeconds(1.5);
        }, _logs.Configure);
        await gateway.StartAsync();
        await StackFixture.WaitForDestinationAsync(gateway, ServerEndpoints.GrpcAddress(Worker));
        _gateways.Add(gateway);
        return gateway;
    }

    /// <summary>Stops gateway <paramref name="index"/> cleanly (its lease is handed over).</summary>
    public async Task StopGatewayAsync(int index)
    {
        _stopped.Add(index);
        await _gateways[index].StopAsync();
        await _gateways[index].DisposeAsync();
    }

    /// <summary>
    /// Starts <paramref name="callers"/> loops of calls to <paramref name="model"/> through gateway <paramref name="gateway"/>;
    /// one call in ten carries feature 0 = <see cref="RolloutModels.FailingIndex"/>, the others 1; features 1 and 2 are random.
    /// </summary>
    public void StartLoad(string model, int callers = 4, int gateway = 0)
    {
        _load = new CancellationTokenSource();
        var token = _load.Token;
        var client = StackFixture.Client(ServerEndpoints.GrpcAddress(_gateways[gateway]));
        var key = StackFixture.WithKey(Key);
        _callers = [.. Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var random = new Random(c);
            for (var i = c; !token.IsCancellationRequested; i += callers)
            {
                var row = new[] { i % 10 == 0 ? RolloutModels.FailingIndex : 1f, random.NextSingle(), random.NextSingle(), 0f, 0f };
                try
                {
                    // The stop is not the calls' token: a call cancelled in flight resets its stream, and a
                    // worker reading the request then logs an error the test would fail on; so each
                    // caller finishes its call and stops before the next.
                    await client.ModelInferAsync(TestRequests.Propensity(model, [row]), key, deadline: DateTime.UtcNow.AddSeconds(30));
                }
                catch (RpcException) when (!token.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _failed);
                }
                catch (RpcException)
                {
                    return;
                }
                Interlocked.Increment(ref _calls);
            }
        }))];
    }

    /// <summary>Runs <c>mlops rollout ARGS</c> in this stack's namespace.</summary>
    public Task<(int ExitCode, string Output, string Error)> CliAsync(string command, params string[] args) =>
        CliRunner.RunAsync(["rollout", command, "--redis", TestRedis.Address, "--namespace", Keys.Namespace, .. args]);

    /// <summary>Waits until the rollout of <paramref name="model"/> is one <paramref name="condition"/> accepts; returns it.</summary>
    public async Task<RolloutRecord> WaitForAsync(string model, Func<RolloutRecord, bool> condition, int seconds = 90)
    {
        RolloutRecord? found = null;
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while ((await Rollouts.ReadAsync(model)).Record is not { } r || !condition(found = r))
        {
            // What the rollout said last is what a failure needs to show.
            Assert.True(DateTime.UtcNow < deadline, $"The rollout of {model} did not get there within {seconds} s; it is {found?.Phase} at step {found?.Step}: {found?.Reason}"
                + string.Concat(_logs.Entries.Where(e => e.Category.Contains("Rollout", StringComparison.Ordinal) && e.Level >= LogLevel.Information).TakeLast(8).Select(e => "\n  " + e)));
            await Task.Delay(100);
        }
        return found!;
    }

    public async ValueTask DisposeAsync()
    {
        if (_load is not null)
        {
            await _load.CancelAsync();
            await Task.WhenAll(_callers);
            _load.Dispose();
        }
        await StackFixture.StopAsync(_logs, Redis, Repository, [.. _gateways.Where((_, i) => !_stopped.Contains(i)), Worker]);
    }
}
