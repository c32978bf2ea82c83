using System.Net;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Cli.Commands;
using MlopsGateway.Gateway;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Artifacts;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Models;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Publishing;

namespace MlopsGateway.Tests.Functional;

/// <summary>
/// <c>mlops up</c>'s registry, through the pieces up wires: its samples registered with @champion on
/// version 1, idempotently; its worker serving the registry, so a version pushed into up's artefact
/// store is loaded and an alias move sends @champion callers to it.
/// </summary>
public sealed class UpRegistryFunctionalTests() : FunctionalTest()
{
    [Fact]
    public async Task Samples_RegisteredWithChampionOnOne_PushedVersionLoaded_ChampionMoveFollowed()
    {
        var root = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"));
        var models = Path.Combine(root, "models");
        var keys = new RedisKeys("up-" + Guid.NewGuid().ToString("N")[..8]);
        var up = new UpRegistry(Path.Combine(root, ".mlops"));
        var logs = NewLogs();
        SampleModels.WriteIfEmpty(models);
        var redis = await TestRedis.ConnectAsync();
        var registry = new ModelRegistry(redis, keys: keys);
        var model = SampleModels.Propensity;

        var baselines = new BaselineStore(redis, keys);
        var first = new StringWriter();
        var routes = new RouteStore(redis, keys: keys);
        await up.PublishAsync(models, registry, baselines, first, CancellationToken.None, routes);
        Assert.Equal("1", (await routes.GetAsync(model))!.Stable);
        Assert.Contains($"Routed '{model}' to version 1 (stable)", first.ToString(), StringComparison.Ordinal);
        Assert.Equal(["1", "2"], (await registry.VersionsAsync(model)).Records.Select(r => r.Version).Order(StringComparer.Ordinal));
        Assert.All((await registry.VersionsAsync(model)).Records, r => Assert.Equal(ModelStatus.Ready, r.Status));
        Assert.Equal("1", await registry.ResolveAliasAsync(model, UpRegistry.Champion));
        Assert.True(File.Exists(Path.Combine(up.Artifacts, model, "2", ModelRepository.ModelFileName)));
        Assert.Contains($"Registered '{model}' version 1 (new)", first.ToString(), StringComparison.Ordinal);
        // Both versions carry the baseline of the rows they were made from, with their predictions' shares.
        foreach (var version in new[] { "1", "2" })
        {
            var baseline = await baselines.GetAsync(model, version);
            Assert.Equal((SampleModels.PropensityTrainingRows, "training:training.csv", "features"), (baseline!.Rows, baseline.Source, baseline.Input));
            Assert.Equal(SampleModels.PropensityFeatures, baseline.Features.Select(f => f.Name));
            Assert.Equal(SampleModels.PropensityClasses, baseline.Classes);
            Assert.Equal(SampleModels.PropensityTrainingRows, baseline.Prediction!.Counts.Sum());
            Assert.Equal(BaselineProfile.MaxSampleRows, baseline.Sample.Count);
            Assert.Contains($"Stored the baseline of version {version}: 5000 rows from training:training.csv", first.ToString(), StringComparison.Ordinal);
        }
        Assert.NotEqual((await baselines.GetAsync(model, "1"))!.Prediction!.Counts, (await baselines.GetAsync(model, "2"))!.Prediction!.Counts);

        // A restart on the same Redis changes nothing, and leaves a champion someone moved where it is.
        await registry.SetAliasAsync(model, UpRegistry.Champion, "2", "tests");
        var again = new StringWriter();
        await routes.ChangeAsync(model, (_, _) => null, "tests");
        await up.PublishAsync(models, registry, baselines, again, CancellationToken.None, routes);
        // A route someone removed stays removed: up routes only a model it gives its first champion.
        Assert.Null(await routes.GetAsync(model));
        await routes.ChangeAsync(model, (_, _) => new RouteRecord(model, "1"), "tests", requireRegisteredWorkers: false);
        Assert.Contains($"'{model}' version 1 unchanged", again.ToString(), StringComparison.Ordinal);
        Assert.Contains($"'{model}' version 2 unchanged", again.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Pointed", again.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Stored the baseline", again.ToString(), StringComparison.Ordinal);
        Assert.Equal("2", await registry.ResolveAliasAsync(model, UpRegistry.Champion));
        Assert.Equal(2, (await registry.VersionsAsync(model)).Records.Count);

        var worker = WorkerHost.Build(new IPEndPoint(IPAddress.Loopback, 0), o =>
            {
                o.ModelRepository = models;
                o.DrainDelay = TimeSpan.Zero;
                o.WorkerSecrets = [TestSecrets.Worker];
            }, logs.Configure, null, w => up.Serve(w.AddRedisRegistration(redis, o =>
            {
                o.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
                o.Namespace = keys.Namespace;
            }), redis, keys));
        await worker.StartAsync();
        var repository = worker.Services.GetRequiredService<ModelRepository>();
        Assert.Equal(["1", "2"], repository.VersionsOf(model).Select(v => v.Version));
        // Made before the gateway starts, so its first snapshot holds it: a key made after reaches it only on the announcement.
        var (_, key) = await new ApiKeyStore(redis, keys: keys).CreateAsync("up-test", []);
        var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis, o =>
            {
                o.WorkerSecret = TestSecrets.Worker;
                o.Namespace = keys.Namespace;
            }, logs.Configure);
        await gateway.StartAsync();
        await StackFixture.WaitForDestinationAsync(gateway, ServerEndpoints.GrpcAddress(worker));
        var client = StackFixture.Client(ServerEndpoints.GrpcAddress(gateway));
        var champion = TestRequests.Propensity(model, [TestRequests.Row], version: "@" + UpRegistry.Champion);
        Assert.Equal("2", (await client.ModelInferAsync(champion, StackFixture.WithKey(key))).ModelVersion);

        // A newcomer's push, as 'mlops models push FILE --model propensity --artifacts <up's store>' makes it.
        var scratch = Path.Combine(root, "scratch");
        SampleModels.WritePropensityVersion(scratch, "3", [0.1f, 0.1f, 0.1f, 0.1f, 0.1f], bias: 0f);
        var pushed = await new ModelPublisher(registry, new ArtifactDirectory(up.Artifacts))
            .PushAsync(Path.Combine(scratch, model, "3", ModelRepository.ModelFileName), new ModelPushRequest(model, "tests"));
        Assert.Equal("3", pushed.Record.Version);
        await Wait.UntilAsync(() => repository.VersionsOf(model).Any(v => v.Version == "3"));
        // The route keeps calls that name no version on version 1: the push alone sends v3 no traffic.
        Assert.Equal("1", (await client.ModelInferAsync(TestRequests.Propensity(model, [TestRequests.Row]), StackFixture.WithKey(key))).ModelVersion);

        await registry.SetAliasAsync(model, UpRegistry.Champion, "3", "tests");
        await Wait.UntilAsync(async () => (await client.ModelInferAsync(champion, StackFixture.WithKey(key))).ModelVersion == "3",
            transient: e => e is RpcException);

        await StackFixture.StopAsync(logs, redis, root, gateway, worker);
    }
}
