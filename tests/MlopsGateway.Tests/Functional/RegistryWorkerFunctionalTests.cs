using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Registry.Models;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Models;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Functional;

/// <summary>Workers serving the registry's versions: pulled from an artefact store, verified, loaded, and unloaded when retired.</summary>
public sealed class RegistryWorkerFunctionalTests : FunctionalTest, IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"));
    private readonly string _model = "pulled-" + Guid.NewGuid().ToString("N")[..8];
    private readonly LogCollector _logs;
    private ConnectionMultiplexer _redis = null!;
    private ModelRegistry _registry = null!;

    public RegistryWorkerFunctionalTests()
    {
        _logs = NewLogs();
    }

    private string Store => Path.Combine(_root, "store");

    public async Task InitializeAsync()
    {
        var samples = Path.Combine(_root, "samples");
        SampleModels.WritePropensity(samples);
        TestModels.WriteDtypes(samples);
        _redis = await TestRedis.ConnectAsync();
        _registry = new ModelRegistry(_redis);
        foreach (var version in new[] { "1", "2", "3" })
        {
            // Version 3 is another model's file (a push of version 2's bytes would name version 2); its copy in the store is corrupted below.
            var file = version == "3"
                ? Path.Combine(samples, "dtypes", "1", ModelRepository.ModelFileName)
                : Path.Combine(samples, SampleModels.Propensity, version, ModelRepository.ModelFileName);
            var stored = Path.Combine(Store, _model, version, ModelRepository.ModelFileName);
            Directory.CreateDirectory(Path.GetDirectoryName(stored)!);
            File.Copy(file, stored);
            await _registry.PushAsync(CatalogFixture.Draft(_model, version, file));
        }
        await File.AppendAllTextAsync(Path.Combine(Store, _model, "3", ModelRepository.ModelFileName), "tampered");
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private WebApplication StartWorker(string name) =>
        WorkerHost.Build(new IPEndPoint(IPAddress.Loopback, 0), o =>
            {
                o.DrainDelay = TimeSpan.Zero;
                o.WorkerSecrets = [TestSecrets.Worker];
            }, _logs.Configure, null, w => w
                .AddRedisRegistration(_redis, o => o.HeartbeatInterval = TimeSpan.FromMilliseconds(500))
                .AddRegistryModels(_redis, o =>
                {
                    o.Artifacts = Store;
                    o.CacheFolder = Path.Combine(_root, name);
                    o.Models = [_model];
                }));

    private static IReadOnlyList<string> Served(WebApplication worker, string model) =>
        worker.Services.GetRequiredService<ModelRepository>().VersionsOf(model).Select(v => v.Version).ToArray();

    [Fact]
    public async Task TwoRegistryWorkers_LoadVerifiedVersions_RefuseTheCorruptedOne_UnloadTheRetiredOne()
    {
        var record3 = await _registry.GetAsync(_model, "3");
        var actual = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(Store, _model, "3", ModelRepository.ModelFileName))));
        ExpectLogs(e => e.Event.Name == "RegistryVersionRefused", _logs);
        await using var first = StartWorker("cache-a");
        await using var second = StartWorker("cache-b");
        await Task.WhenAll(first.StartAsync(), second.StartAsync());

        // The first pass runs before the repository loads: the workers start serving the registry's versions.
        Assert.Equal(["1", "2"], Served(first, _model));
        Assert.Equal(["1", "2"], Served(second, _model));
        var refusals = _logs.Entries.Where(e => e.Event.Name == "RegistryVersionRefused").ToArray();
        Assert.Equal(2, refusals.Length);
        Assert.All(refusals, e =>
        {
            Assert.Contains(record3!.Sha256, e.Message, StringComparison.Ordinal);
            Assert.Contains(actual, e.Message, StringComparison.Ordinal);
        });
        Assert.False(File.Exists(Path.Combine(_root, "cache-a", _model, "3", ModelRepository.ModelFileName)));

        await _registry.RetireAsync(_model, "1", "tests");

        // The retirement's announcement reaches both workers; each drains and unloads version 1.
        await Wait.UntilAsync(() => Served(first, _model).SequenceEqual(["2"]) && Served(second, _model).SequenceEqual(["2"]));
        Assert.False(Directory.Exists(Path.Combine(_root, "cache-a", _model, "1")));
        // Logged once the drain ends, which may come after the version left the repository's list.
        await Wait.UntilAsync(() => _logs.Entries.Any(e => e.Event.Name == "ModelUnloaded" && e.Message.Contains(_model, StringComparison.Ordinal)));

        await Task.WhenAll(first.StopAsync(), second.StopAsync());
    }
}
