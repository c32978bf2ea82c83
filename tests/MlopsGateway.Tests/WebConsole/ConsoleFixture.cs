using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Models;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker.Models;
using StackExchange.Redis;

namespace MlopsGateway.Tests.WebConsole;

/// <summary>
/// A real worker serving the propensity sample (versions 1 and 2), pushed to the registry, version 1
/// deprecated for 2, <c>@champion</c> on 2, a route with a 10% canary, and a gateway with its console on
/// the metrics listener; everything in a Redis namespace of its own, so the console shows only these.
/// Keys: one per scope the console cares about.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string Model = SampleModels.Propensity;

    public LogCollector Logs { get; } = new() { FailLevel = LogLevel.Warning };

    public string Repository { get; } = TestModels.NewRepository();

    public RedisKeys Keys { get; } = new("console-" + Guid.NewGuid().ToString("N")[..8]);

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public ModelRegistry Registry { get; private set; } = null!;

    public ApiKeyStore KeyStore { get; private set; } = null!;

    public WebApplication Worker { get; private set; } = null!;

    public WebApplication Gateway { get; private set; } = null!;

    public string GatewayAddress { get; private set; } = "";

    /// <summary>Where the console is, e.g. <c>http://127.0.0.1:40001/console</c>.</summary>
    public string ConsoleAddress { get; private set; } = "";

    public (ApiKeyRecord Record, string Secret) ConsoleKey { get; private set; }

    public (ApiKeyRecord Record, string Secret) AdminKey { get; private set; }

    public (ApiKeyRecord Record, string Secret) InferKey { get; private set; }

    public async Task InitializeAsync()
    {
        var starting = new VerifyNoErrorsScope(Logs);
        SampleModels.WritePropensity(Repository);
        Redis = await TestRedis.ConnectAsync();
        Registry = new ModelRegistry(Redis, keys: Keys);
        foreach (var version in new[] { "1", "2" })
        {
            var file = Path.Combine(Repository, Model, version, ModelRepository.ModelFileName);
            await Registry.PushAsync(CatalogFixture.Draft(Model, version, file) with { Lineage = new ModelLineage(Source: "tests", RunId: "run-" + version) });
        }
        await Registry.SetAliasAsync(Model, "champion", "2", "tests");
        await Registry.DeprecateAsync(Model, "1", DateTimeOffset.UtcNow.AddDays(30), "2", "v2 is retrained", "tests");
        KeyStore = new ApiKeyStore(Redis, keys: Keys);
        ConsoleKey = await KeyStore.CreateAsync("console-reader", [], scopes: [KeyScopes.Console]);
        AdminKey = await KeyStore.CreateAsync("console-admin", [], scopes: [KeyScopes.Admin]);
        InferKey = await KeyStore.CreateAsync("infer-only", [], scopes: [KeyScopes.Infer]);

        Worker = StackFixture.StartWorker(Repository, Redis, Logs, Keys);
        await Worker.StartAsync();
        await new RouteStore(Redis, keys: Keys).ChangeAsync(Model, (_, _) => new RouteRecord(Model, "1", "2", 10), "tests", requireRegisteredWorkers: false);
        Gateway = StartGateway(Redis, Keys, Logs, o => o.ConsoleSignInsPerMinute = 1000);
        await Gateway.StartAsync();
        GatewayAddress = ServerEndpoints.GrpcAddress(Gateway);
        ConsoleAddress = GatewayHost.ConsoleAddress(Gateway)!;
        await StackFixture.WaitForDestinationAsync(Gateway, ServerEndpoints.GrpcAddress(Worker));
        starting.Dispose();
    }

    /// <summary>A gateway on loopback port 0 in namespace <paramref name="keys"/>, its console on the metrics listener (or one of its own).</summary>
    public static WebApplication StartGateway(IConnectionMultiplexer redis, RedisKeys keys, LogCollector logs, Action<GatewayOptions>? configure = null,
        bool ownConsoleListener = false) =>
        GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis, o =>
            {
                o.Namespace = keys.Namespace;
                o.WorkerSecret = TestSecrets.Worker;
                o.CallerFlushInterval = TimeSpan.FromMilliseconds(200);
                configure?.Invoke(o);
            }, logs.Configure, new IPEndPoint(IPAddress.Loopback, 0),
            consoleEndpoint: ownConsoleListener ? new IPEndPoint(IPAddress.Loopback, 0) : null);

    /// <summary>The gateway's current snapshot.</summary>
    internal GatewaySnapshot Snapshot => Gateway.Services.GetRequiredService<SnapshotCache>().Current;

    /// <summary>Waits until the gateway's snapshot has (or, with <paramref name="present"/> false, has not) the key with <paramref name="secret"/>.</summary>
    public Task WaitForKeyAsync(string secret, bool present = true) => Wait.UntilAsync(() => Snapshot.Keys.Find(secret) is not null == present);

    public Task DisposeAsync() => StackFixture.StopAsync(Logs, Redis, Repository, Gateway, Worker);
}
