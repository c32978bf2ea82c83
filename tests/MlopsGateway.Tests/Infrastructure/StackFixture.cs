using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlopsGateway.Monitoring;
using MlopsGateway.Gateway;
using MlopsGateway.Registry;
using MlopsGateway.Worker;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// A real worker and a real gateway on loopback port 0, over HTTP/2, against the test Redis, with
/// keys created for the tests. Shared by the functional tests of one class.
/// </summary>
public sealed class StackFixture : IAsyncLifetime
{
    /// <summary>The gateway accepts JWTs signed with this key (HS256).</summary>
    public const string JwtSigningKey = "tests-only-signing-key-0123456789abcdef";

    /// <summary>The servers' logs; a test fails on a warning or error it did not expect (see <see cref="FunctionalTest"/>).</summary>
    public LogCollector Logs { get; } = new() { FailLevel = LogLevel.Warning };

    public string Repository { get; } = TestModels.NewRepository();

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public WebApplication Worker { get; private set; } = null!;

    public WebApplication Gateway { get; private set; } = null!;

    public string WorkerAddress { get; private set; } = "";

    public string GatewayAddress { get; private set; } = "";

    /// <summary>The worker's HTTP/1.1 metrics listener, e.g. <c>http://127.0.0.1:40001</c>.</summary>
    public string WorkerMetricsAddress { get; private set; } = "";

    /// <summary>The gateway's HTTP/1.1 metrics listener.</summary>
    public string GatewayMetricsAddress { get; private set; } = "";

    /// <summary>A key allowed for every model.</summary>
    public string AllModelsKey { get; private set; } = "";

    /// <summary>A key allowed only for <c>dtypes</c>.</summary>
    public string DtypesOnlyKey { get; private set; } = "";

    public async Task InitializeAsync()
    {
        // What the servers log while starting fails every test of the class; what each test causes, that test.
        var starting = new VerifyNoErrorsScope(Logs);
        Redis = await TestRedis.ConnectIsolatedAsync();
        var store = new ApiKeyStore(Redis);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        AllModelsKey = (await store.CreateAsync($"tests-all-{suffix}", [])).Secret;
        DtypesOnlyKey = (await store.CreateAsync($"tests-dtypes-{suffix}", ["dtypes"])).Secret;

        // As in production: the worker registers in Redis and the gateway discovers it there.
        Worker = StartWorker(Repository, Redis, Logs);
        await Worker.StartAsync();
        WorkerAddress = ServerEndpoints.GrpcAddress(Worker);
        WorkerMetricsAddress = ServerEndpoints.MetricsAddress(Worker)!;

        Gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), Redis, o =>
            {
                o.JwtSigningKey = JwtSigningKey;
                o.WorkerSecret = TestSecrets.Worker;
            }, Logs.Configure,
            new IPEndPoint(IPAddress.Loopback, 0));
        await Gateway.StartAsync();
        GatewayAddress = ServerEndpoints.GrpcAddress(Gateway);
        GatewayMetricsAddress = ServerEndpoints.MetricsAddress(Gateway)!;
        await WaitForDestinationAsync(Gateway, WorkerAddress);
        starting.Dispose();
    }

    public Task DisposeAsync() => StopAsync(Logs, Redis, Repository, Gateway, Worker);

    /// <summary>Stops <paramref name="servers"/> in order, then disposes them, <paramref name="redis"/> and <paramref name="repository"/>; only errors fail the stop.</summary>
    public static async Task StopAsync(LogCollector logs, ConnectionMultiplexer redis, string repository, params WebApplication[] servers)
    {
        var stopping = new VerifyNoErrorsScope(logs);
        // Only errors fail the fixture's stop (the tests themselves fail on warnings too): a stop on a loaded
        // machine may warn about a probe or a connection the stop itself cut short. A stop under load failed
        // CI once, and the output did not show the entry.
        stopping.Expect(e => e.Level < LogLevel.Error);
        foreach (var server in servers)
        {
            await server.StopAsync();
        }
        foreach (var server in servers)
        {
            await server.DisposeAsync();
        }
        await redis.DisposeAsync();
        try
        {
            Directory.Delete(repository, recursive: true);
        }
        catch (IOException)
        {
        }
        stopping.Dispose();
    }

    /// <summary>
    /// A worker on loopback port 0 serving <paramref name="repository"/>, registering itself in
    /// <paramref name="redis"/>; with none, it registers nowhere (a gateway is given its address).
    /// It answers only callers with <see cref="TestSecrets.Worker"/> (or the admin secret), as a deployed worker would,
    /// in namespace <paramref name="keys"/> (the default one when null); <paramref name="worker"/> adds to its role.
    /// </summary>
    public static WebApplication StartWorker(string repository, IConnectionMultiplexer? redis, LogCollector logs, RedisKeys? keys = null,
        Action<WorkerBuilder>? worker = null) =>
        WorkerHost.Build(new IPEndPoint(IPAddress.Loopback, 0), o =>
            {
                o.ModelRepository = repository;
                // Gateways on loopback drop a departing worker within milliseconds; the default second would slow every stop.
                o.DrainDelay = TimeSpan.FromMilliseconds(250);
                o.WorkerSecrets = [TestSecrets.Worker];
                o.AdminSecrets = [TestSecrets.Admin];
            }, logs.Configure,
            new IPEndPoint(IPAddress.Loopback, 0),
            w =>
            {
                if (redis is not null)
                {
                    w.AddRedisRegistration(redis, o =>
                    {
                        o.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
                        o.Namespace = (keys ?? RedisKeys.Default).Namespace;
                    });
                }
                worker?.Invoke(w);
            });

    /// <summary>Waits (10 s at most) until <paramref name="gateway"/> forwards to the worker at <paramref name="workerAddress"/>.</summary>
    public static async Task WaitForDestinationAsync(WebApplication gateway, string workerAddress)
    {
        var proxy = gateway.Services.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(proxy.TryGetCluster("workers", out var all)
            && all.DestinationsState.AllDestinations.Any(d => d.Model.Config.Address.TrimEnd('/') == workerAddress.TrimEnd('/'))))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The gateway did not discover the worker at {workerAddress} within 10 s.");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>A client of the protocol service at <paramref name="address"/>.</summary>
    public static GRPCInferenceService.GRPCInferenceServiceClient Client(string address) =>
        new(GrpcChannel.ForAddress(address));

    /// <summary>Call metadata carrying <paramref name="key"/> as x-api-key.</summary>
    public static Metadata WithKey(string key) => new() { { "x-api-key", key } };
}
