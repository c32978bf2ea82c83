using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Grpc.Core;
using Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Monitoring;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Tests.Functional;

/// <summary>Loading and unloading model versions on a real worker while requests keep arriving.</summary>
public sealed class ModelLifecycleFunctionalTests : FunctionalTest, IAsyncLifetime
{
    private readonly string _repository = TestModels.NewRepository();
    private readonly LogCollector _logs;
    private WebApplication _worker = null!;
    private GRPCInferenceService.GRPCInferenceServiceClient _client = null!;

    public ModelLifecycleFunctionalTests()
    {
        _logs = NewLogs();
    }

    public async Task InitializeAsync()
    {
        _worker = WorkerHost.Build(new IPEndPoint(IPAddress.Loopback, 0), o => o.ModelRepository = _repository, _logs.Configure);
        await _worker.StartAsync();
        _client = StackFixture.Client(ServerEndpoints.GrpcAddress(_worker));
    }

    public async Task DisposeAsync()
    {
        await _worker.StopAsync();
        await _worker.DisposeAsync();
        Directory.Delete(_repository, recursive: true);
    }

    private static ModelInferRequest Propensity(string version = "") =>
        TestRequests.Propensity("propensity", [TestRequests.Row], version: version);

    private void CopyVersion(string model, string from, string to)
    {
        var target = Path.Combine(_repository, model, to);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(Path.Combine(_repository, model, from)))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
    }

    [Fact]
    public async Task LoadAndUnload_UnderTraffic_NoRequestFails()
    {
        var failures = new ConcurrentQueue<string>();
        var versions = new ConcurrentDictionary<string, int>();
        var total = 0;
        using var stop = new CancellationTokenSource();
        var traffic = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            // Bounded: at most 20,000 requests per loop, and the test stops it long before.
            for (var i = 0; i < 20_000 && !stop.IsCancellationRequested; i++)
            {
                try
                {
                    var response = await _client.ModelInferAsync(Propensity());
                    versions.AddOrUpdate(response.ModelVersion, 1, (_, n) => n + 1);
                    Interlocked.Increment(ref total);
                }
                catch (RpcException ex)
                {
                    failures.Enqueue($"{ex.StatusCode}: {ex.Status.Detail}");
                }
            }
        })).ToArray();

        await WaitForVersionAsync(versions, "2");
        CopyVersion("propensity", "2", "3");
        await _client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "propensity" });
        await WaitForVersionAsync(versions, "3");

        Directory.Delete(Path.Combine(_repository, "propensity", "3"), recursive: true);
        await _client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "propensity" });
        var servedTwoAgain = versions.GetValueOrDefault("2");
        await Wait.UntilAsync(() => versions.GetValueOrDefault("2") > servedTwoAgain + 20, 20);

        await _client.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "dtypes" });
        Assert.False((await _client.ModelReadyAsync(new ModelReadyRequest { Name = "dtypes" })).Ready);
        await _client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "dtypes" });
        Assert.True((await _client.ModelReadyAsync(new ModelReadyRequest { Name = "dtypes" })).Ready);

        // The changes above can all finish within a hundred requests on a fast run: traffic goes on
        // until there has been enough of it (the wait fails after 20 s if traffic stalls).
        await Wait.UntilAsync(() => Volatile.Read(ref total) > 100, 20);
        await stop.CancelAsync();
        await Task.WhenAll(traffic);
        Assert.Empty(failures);
        Assert.Equal(["2", "3"], versions.Keys.Order());
    }

    [Fact]
    public async Task RepositoryModelUnload_RequestsAlreadyQueued_AllAnsweredThenNotFound()
    {
        File.WriteAllText(Path.Combine(_repository, "propensity", "1", ModelConfig.FileName),
            """{ "max_queue_delay_us": 30000000, "max_batch_size": 64 }""");
        await _client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "propensity" });
        var repository = _worker.Services.GetRequiredService<ModelRepository>();
        Assert.True(repository.TryResolve("propensity", "1", out var version1));

        // These would wait 30 s for a batch to fill; the unload arrives while they wait.
        var queued = Enumerable.Range(0, 10).Select(_ => _client.ModelInferAsync(Propensity("1")).ResponseAsync).ToArray();
        await Wait.UntilAsync(() => version1!.Batcher.QueueDepth == 10, 20);
        await _client.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "propensity" });

        var answers = await Task.WhenAll(queued);
        Assert.All(answers, a => Assert.Equal("1", a.ModelVersion));
        var ex = await Assert.ThrowsAsync<RpcException>(() => _client.ModelInferAsync(Propensity("1")).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        var index = await _client.RepositoryIndexAsync(new RepositoryIndexRequest());
        Assert.Contains(index.Models, m => m is { Name: "propensity", Version: "1", State: "UNLOADED" });
    }

    [Fact]
    public async Task RepositoryModelLoad_Sha256Mismatch_RefusesThatVersionWithReason()
    {
        CopyVersion("propensity", "2", "4");
        var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(_repository, "propensity", "4", ModelRepository.ModelFileName))));
        File.WriteAllText(Path.Combine(_repository, "propensity", "4", ModelConfig.FileName), $$"""{ "sha256": "{{new string('0', 64)}}" }""");
        ExpectLogs(e => e.Event.Name == "ModelRefused" && e.Message.Contains("version 4", StringComparison.Ordinal));

        await _client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "propensity" });

        var index = await _client.RepositoryIndexAsync(new RepositoryIndexRequest());
        var refused = Assert.Single(index.Models, m => m.Name == "propensity" && m.Version == "4");
        Assert.Equal("UNAVAILABLE", refused.State);
        Assert.Contains($"model.onnx is {actual}", refused.Reason);
        Assert.Equal("2", (await _client.ModelInferAsync(Propensity())).ModelVersion);
        Assert.Contains(_logs.Entries, e => e.Event.Name == "ModelRefused" && e.Message.Contains("sha256 mismatch", StringComparison.Ordinal));

        File.WriteAllText(Path.Combine(_repository, "propensity", "4", ModelConfig.FileName), $$"""{ "sha256": "{{actual}}" }""");
        await _client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "propensity" });
        Assert.Equal("4", (await _client.ModelInferAsync(Propensity())).ModelVersion);
    }

    [Fact]
    public async Task RepositoryModelLoad_LatestOnePolicy_ServesOnlyTheHighestVersion()
    {
        File.WriteAllText(Path.Combine(_repository, "propensity", ModelConfig.FileName), """{ "version_policy": { "latest": 1 } }""");

        await _client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "propensity" });

        var metadata = await _client.ModelMetadataAsync(new ModelMetadataRequest { Name = "propensity" });
        Assert.Equal(["2"], metadata.Versions);
        var index = await _client.RepositoryIndexAsync(new RepositoryIndexRequest());
        Assert.Contains(index.Models, m => m is { Name: "propensity", Version: "1", State: "UNLOADED", Reason: "not chosen by the version policy" });
    }

    [Fact]
    public async Task RepositoryModelLoad_UnknownModel_NotFound()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "churn" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Contains("no folder for model 'churn'", ex.Status.Detail);
    }

    [Fact]
    public async Task WatchRepository_NewVersionWrittenToDisk_ServedWithoutACall()
    {
        await using var watched = WorkerHost.Build(new IPEndPoint(IPAddress.Loopback, 0), o =>
        {
            o.ModelRepository = _repository;
            o.WatchRepository = true;
        }, _logs.Configure);
        await watched.StartAsync();
        var client = StackFixture.Client(ServerEndpoints.GrpcAddress(watched));

        CopyVersion("propensity", "2", "5");

        await Wait.UntilAsync(() => client.ModelReady(new ModelReadyRequest { Name = "propensity", Version = "5" }).Ready, 20);
        Assert.Equal("5", (await client.ModelInferAsync(Propensity())).ModelVersion);
        await watched.StopAsync();
    }

    [Fact]
    public async Task ModelInfer_ThroughGateway_RepositoryRpcsNotForwarded()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (_, key) = await new MlopsGateway.Registry.ApiKeyStore(redis).CreateAsync("lifecycle-" + Guid.NewGuid().ToString("N"), []);
        await using var gateway = MlopsGateway.Gateway.GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis,
            o => o.Workers.Add(ServerEndpoints.GrpcAddress(_worker)), _logs.Configure);
        await gateway.StartAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => StackFixture.Client(ServerEndpoints.GrpcAddress(gateway))
            .RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "propensity" }, StackFixture.WithKey(key)).ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        Assert.Contains("served by each worker directly", ex.Status.Detail);
        Assert.True((await _client.ModelReadyAsync(new ModelReadyRequest { Name = "propensity" })).Ready);
        await gateway.StopAsync();
    }

    private static Task WaitForVersionAsync(ConcurrentDictionary<string, int> versions, string version) =>
        Wait.UntilAsync(() => versions.GetValueOrDefault(version) > 20, 20);
}
