using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Worker.Models;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// A worker serving a model of its own (the propensity classifier under a unique name, versions 1
/// and 2, so routes changed here touch no other test) and two gateways discovering it in the test
/// Redis; gateway A also accepts JWTs and caps request size.
/// </summary>
public sealed class RoutingFixture : IAsyncLifetime
{
    /// <summary>The JWT signing key of gateway A.</summary>
    public const string JwtKey = "test-signing-key-0123456789abcdefghijklmnop";

    /// <summary>Gateway A's largest request, small enough to exceed in a test.</summary>
    public const long MaxRequestBytes = 16 * 1024;

    /// <summary>
    /// The servers' logs; a test fails on a warning or error it did not expect (see <see cref="FunctionalTest"/>):
    /// YARP's "Unable to disable max request body size" among them, as the gateway keeps its own limit.
    /// </summary>
    public LogCollector Logs { get; } = new() { FailLevel = LogLevel.Warning };

    public string Model { get; } = "routed-" + Guid.NewGuid().ToString("N")[..8];

    public string Repository { get; private set; } = "";

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public WebApplication Worker { get; private set; } = null!;

    public WebApplication GatewayA { get; private set; } = null!;

    public WebApplication GatewayB { get; private set; } = null!;

    public string WorkerAddress { get; private set; } = "";

    public string GatewayAAddress { get; private set; } = "";

    public string GatewayBAddress { get; private set; } = "";

    public string Key { get; private set; } = "";

    public RouteStore Routes { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // What the servers log while starting fails every test of the class; what each test causes, that test.
        var starting = new VerifyNoErrorsScope(Logs);
        Repository = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"));
        SampleModels.WritePropensity(Repository);
        Directory.Move(Path.Combine(Repository, SampleModels.Propensity), Path.Combine(Repository, Model));

        Redis = await TestRedis.ConnectAsync();
        Routes = new RouteStore(Redis);
        Key = (await new ApiKeyStore(Redis).CreateAsync("routing-" + Model, [Model])).Secret;

        Worker = StackFixture.StartWorker(Repository, Redis, Logs);
        await Worker.StartAsync();
        WorkerAddress = ServerEndpoints.GrpcAddress(Worker);

        GatewayA = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), Redis, o =>
        {
            o.RandomSeed = 11;
            // Shadow tests count every copy: copies never yield to a CPU busy with the other tests.
            o.ShadowCpuLimit = 100;
            o.JwtSigningKey = JwtKey;
            o.MaxRequestBodySize = MaxRequestBytes;
            o.WorkerSecret = TestSecrets.Worker;
        }, Logs.Configure);
        GatewayB = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), Redis, o =>
        {
            o.RandomSeed = 12;
            o.ShadowCpuLimit = 100;
            o.WorkerSecret = TestSecrets.Worker;
        }, Logs.Configure);
        await Task.WhenAll(GatewayA.StartAsync(), GatewayB.StartAsync());
        GatewayAAddress = ServerEndpoints.GrpcAddress(GatewayA);
        GatewayBAddress = ServerEndpoints.GrpcAddress(GatewayB);
        await StackFixture.WaitForDestinationAsync(GatewayA, WorkerAddress);
        await StackFixture.WaitForDestinationAsync(GatewayB, WorkerAddress);
        starting.Dispose();
    }

    /// <summary>Sets the route and waits (5 s at most) until both gateways hold it.</summary>
    public async Task SetRouteAsync(RouteRecord route)
    {
        var change = await Routes.ChangeAsync(Model, (_, _) => route, "tests");
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!(Holds(GatewayA, change.After) && Holds(GatewayB, change.After)))
        {
            Assert.True(DateTime.UtcNow < deadline, "The gateways did not receive the route within 5 s.");
            await Task.Delay(10);
        }
    }

    /// <summary>Whether <paramref name="gateway"/>'s snapshot holds <paramref name="route"/> for the fixture's model.</summary>
    public bool Holds(WebApplication gateway, RouteRecord? route)
    {
        var routes = gateway.Services.GetRequiredService<SnapshotCache>().Current.Routes;
        return route is null ? !routes.ContainsKey(Model) : routes.TryGetValue(Model, out var held) && held == route;
    }

    public async Task DisposeAsync()
    {
        var stopping = new VerifyNoErrorsScope(Logs);
        // Only errors fail the fixture's stop (the tests themselves fail on warnings too): a stop on a loaded
        // machine may warn about a probe or a connection the stop itself cut short. A stop under load failed
        // CI once, and the output did not show the entry.
        stopping.Expect(e => e.Level < LogLevel.Error);
        await Task.WhenAll(GatewayA.StopAsync(), GatewayB.StopAsync());
        await Worker.StopAsync();
        await GatewayA.DisposeAsync();
        await GatewayB.DisposeAsync();
        await Worker.DisposeAsync();
        await Redis.DisposeAsync();
        try
        {
            Directory.Delete(Repository, recursive: true);
        }
        catch (IOException)
        {
        }
        stopping.Dispose();
    }
}
