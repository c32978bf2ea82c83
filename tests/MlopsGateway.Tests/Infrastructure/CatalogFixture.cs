using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Models;
using MlopsGateway.Worker.Models;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// A worker serving four copies of the propensity classifier under names of their own (versions 1
/// and 2 each, so a test changes only its own model's aliases, deprecations and routes), a gateway
/// discovering it, and the registry holding versions 1 and 2 of each.
/// </summary>
public sealed class CatalogFixture : IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    public LogCollector Logs { get; } = new() { FailLevel = LogLevel.Warning };

    public string Repository { get; } = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"));

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public ModelRegistry Registry { get; private set; } = null!;

    public RouteStore Routes { get; private set; } = null!;

    public WebApplication Worker { get; private set; } = null!;

    public WebApplication Gateway { get; private set; } = null!;

    public string GatewayAddress { get; private set; } = "";

    public string Key { get; private set; } = "";

    public string KeyId { get; private set; } = "";

    /// <summary>The fixture's model for one test: <c>alias</c>, <c>deprecated</c>, <c>sunset</c>, <c>retired</c>.</summary>
    public string Model(string test) => $"{test}-{_suffix}";

    public async Task InitializeAsync()
    {
        var starting = new VerifyNoErrorsScope(Logs);
        var samples = Path.Combine(Repository, ".samples");
        SampleModels.WritePropensity(samples);
        Redis = await TestRedis.ConnectAsync();
        Registry = new ModelRegistry(Redis);
        Routes = new RouteStore(Redis);
        foreach (var test in new[] { "alias", "deprecated", "sunset", "retired" })
        {
            var model = Model(test);
            CopyFolder(Path.Combine(samples, SampleModels.Propensity), Path.Combine(Repository, model));
            foreach (var version in new[] { "1", "2" })
            {
                var file = Path.Combine(Repository, model, version, ModelRepository.ModelFileName);
                await Registry.PushAsync(Draft(model, version, file));
            }
        }
        Directory.Delete(samples, recursive: true);
        var (record, secret) = await new ApiKeyStore(Redis).CreateAsync("catalog-" + _suffix, []);
        (Key, KeyId) = (secret, record.Id);

        Worker = StackFixture.StartWorker(Repository, Redis, Logs);
        await Worker.StartAsync();
        Gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), Redis, o => o.WorkerSecret = TestSecrets.Worker, Logs.Configure);
        await Gateway.StartAsync();
        GatewayAddress = ServerEndpoints.GrpcAddress(Gateway);
        await StackFixture.WaitForDestinationAsync(Gateway, ServerEndpoints.GrpcAddress(Worker));
        starting.Dispose();
    }

    /// <summary>The gateway's current snapshot.</summary>
    internal GatewaySnapshot Snapshot => Gateway.Services.GetRequiredService<SnapshotCache>().Current;

    /// <summary>A push's draft of the file at <paramref name="file"/> as version <paramref name="version"/>.</summary>
    public static ModelVersionRecord Draft(string model, string version, string file) => new(
        model, version, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))), new FileInfo(file).Length,
        new ModelSignature([new TensorSignature("features", "FP32", [-1, 5])], [new TensorSignature("label", "INT64", [-1])]),
        "propensity", [], ModelLineage.None, new Dictionary<string, double>(), "tests", default, ModelStatus.Ready, null, "");

    public static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public Task DisposeAsync() => StackFixture.StopAsync(Logs, Redis, Repository, Gateway, Worker);
}
