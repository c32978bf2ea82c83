using System.Runtime.InteropServices;
using System.Text.Json;
using Inference;
using MlopsGateway.Cli;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Cli;

/// <summary>
/// <c>mlops loadtest --inputs baseline</c> against the real gateway and worker, the baseline read from
/// the stack's Redis; and how the version whose baseline is drawn from is chosen.
/// </summary>
public sealed class LoadTestBaselineTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlops-loadtest-baseline-").FullName;
    private readonly BaselineProfile _profile = PropensityBaseline.Build(version: "2");

    public Task InitializeAsync() => new BaselineStore(stack.Redis).SetAsync(_profile);

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Invoke_BaselineWithShiftThroughGateway_SendsShiftedSampleRowsOfTheServedVersion()
    {
        var json = Path.Combine(_folder, "report.json");
        var frame = Path.Combine(_folder, "request.grpc");

        var (exit, output, error) = await CliRunner.RunAsync("loadtest", "--target", stack.GatewayAddress, "--api-key", stack.AllModelsKey,
            "--model", "propensity", "--inputs", "baseline", "--redis", stack.Redis.Configuration, "--shift", "visits_30d=+1sd",
            "--batch", "8", "--concurrency", "4", "--warmup", "0", "--duration", "1m", "--max-requests", "200",
            "--json", json, "--save-request", frame, "--slo", "errors=0");

        Assert.True(exit == 0, output + error);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        // No route: the highest version the worker serves, which the gateway gives calls naming none.
        var inputs = report.RootElement.GetProperty("inputs").GetString()!;
        Assert.StartsWith("features FP32 [8, 5] from the baseline of propensity version 2 (no route: the highest version the workers serve, which calls naming none get; "
            + "training:propensity.csv, 20000 rows): 16384 rows drawn from its 1000-row sample, weighted to its bins; shifted visits_30d=+1sd (+", inputs);
        var level = report.RootElement.GetProperty("levels")[0];
        Assert.Equal(200, level.GetProperty("ok").GetInt64());

        // What was sent: sample rows, each with visits_30d moved by one baseline standard deviation.
        var saved = await File.ReadAllBytesAsync(frame);
        var request = ModelInferRequest.Parser.ParseFrom(saved[5..]);
        Assert.Equal("", request.ModelVersion);
        var values = MemoryMarshal.Cast<byte, float>(request.RawInputContents[0].Span).ToArray();
        var sd = _profile.Features[0].StdDev;
        for (var r = 0; r < 8; r++)
        {
            var row = values.Skip(r * 5).Take(5).ToArray();
            Assert.Contains(_profile.Sample, s => s.Skip(1).SequenceEqual(row.Skip(1)) && Math.Abs(s[0] + sd - row[0]) < 1e-4);
        }
    }

    [Fact]
    public async Task Invoke_VersionWithoutBaseline_RefusedNamingTheCommandsThatMakeOne()
    {
        var (exit, _, error) = await CliRunner.RunAsync("loadtest", "--target", stack.GatewayAddress, "--api-key", stack.AllModelsKey,
            "--model", "propensity", "--version", "1", "--inputs", "baseline", "--redis", stack.Redis.Configuration, "--concurrency", "1");

        Assert.Equal(1, exit);
        Assert.Contains("Model 'propensity' version 1 (given by --version) has no baseline in namespace mlops. Make one from its training data: "
            + "mlops models push FILE.onnx --model propensity --version 1 --baseline ROWS.csv, or from its first rows of traffic: "
            + "mlops monitor baseline capture propensity 1 --rows 10000.", error);
    }

    [Fact]
    public async Task Invoke_ShiftOfAnUnknownFeature_RefusedListingTheBaselinesFeatures()
    {
        var (exit, _, error) = await CliRunner.RunAsync("loadtest", "--target", stack.GatewayAddress, "--api-key", stack.AllModelsKey,
            "--model", "propensity", "--inputs", "baseline", "--redis", stack.Redis.Configuration, "--shift", "visits=+1sd", "--concurrency", "1");

        Assert.Equal(1, exit);
        Assert.Contains("--shift names no feature of the baseline of propensity version 2: visits. Its features: visits_30d, minutes_on_site,", error);
    }

    [Fact]
    public async Task Invoke_BaselineWithoutRedis_RefusedNamingTheOption()
    {
        var (exit, _, error) = await CliRunner.RunAsync("loadtest", "--target", stack.GatewayAddress, "--api-key", stack.AllModelsKey,
            "--model", "propensity", "--inputs", "baseline", "--concurrency", "1");

        Assert.Equal(1, exit);
        Assert.Contains("--inputs baseline reads the version's baseline from the deployment's Redis: give --redis or set MLOPS_REDIS", error);
    }

    [Fact]
    public async Task FindAsync_Route_ItsStableVersionWhateverTheWorkersServe()
    {
        var keys = new RedisKeys("lt-" + Guid.NewGuid().ToString("N")[..8]);
        await RegisterWorkerAsync(keys, "1", "3");
        await new BaselineStore(stack.Redis, keys).SetAsync(PropensityBaseline.Build(version: "1"));
        await new BaselineStore(stack.Redis, keys).SetAsync(PropensityBaseline.Build(version: "3"));

        var served = await BaselineLookup.FindAsync(stack.Redis, keys, "propensity", null, new BaselineStore(stack.Redis, keys).GetAsync);
        await new RouteStore(stack.Redis, keys: keys).ChangeAsync("propensity", (_, _) => new RouteRecord("propensity", "1", Canary: "3", CanaryWeight: 10), "tests");
        var routed = await BaselineLookup.FindAsync(stack.Redis, keys, "propensity", null, new BaselineStore(stack.Redis, keys).GetAsync);

        Assert.Equal(("3", "no route: the highest version the workers serve, which calls naming none get"), (served.Profile.Version, served.Choice));
        Assert.Equal("1", routed.Profile.Version);
        Assert.Equal("the route's stable version (route: stable 1; canary 3 at 10%; the canary's calls are drawn from this baseline too)", routed.Choice);
    }

    [Fact]
    public async Task FindAsync_NothingNamesAVersion_RefusedAskingForOne()
    {
        var keys = new RedisKeys("lt-" + Guid.NewGuid().ToString("N")[..8]);

        var ex = await Assert.ThrowsAsync<BaselineRefusedException>(() =>
            BaselineLookup.FindAsync(stack.Redis, keys, "propensity", null, new BaselineStore(stack.Redis, keys).GetAsync));

        Assert.Equal($"Model 'propensity' has no route, no registered worker serving it and no version in the registry in namespace {keys.Namespace}; give --version.", ex.Message);
    }

    private Task RegisterWorkerAsync(RedisKeys keys, params string[] versions) =>
        new WorkerStore(stack.Redis, keys).RegisterAsync(
            new WorkerRecord("fake-" + keys.Namespace, "http://127.0.0.1:1", [.. versions.Select(v => new ServedVersion("propensity", v))], true, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow),
            TimeSpan.FromSeconds(30));
}
