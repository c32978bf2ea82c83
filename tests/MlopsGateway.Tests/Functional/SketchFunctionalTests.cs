using System.Net;
using Inference;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MlopsGateway.Monitoring;
using MlopsGateway.Monitoring.Sketches;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Drift;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Tests.Sketches;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Sketching;
using Microsoft.AspNetCore.Builder;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Functional;

/// <summary>Real workers over the real propensity model counting their rows into a baseline's bins in Redis.</summary>
public sealed class SketchFunctionalTests : FunctionalTest
{
    private static readonly TimeSpan s_never = TimeSpan.FromHours(1);

    private async Task<(WebApplication App, GRPCInferenceService.GRPCInferenceServiceClient Client)> StartWorkerAsync(
        IConnectionMultiplexer redis, RedisKeys keys, string repository, TimeSpan flushInterval, TimeProvider? time = null)
    {
        var app = WorkerHost.Build(new IPEndPoint(IPAddress.Loopback, 0), o =>
        {
            o.ModelRepository = repository;
            o.DrainDelay = TimeSpan.Zero;
        }, NewLogs().Configure, worker: w =>
        {
            if (time is not null)
            {
                w.Services.AddSingleton(time);
            }
            w.AddDriftSketches(redis, o =>
            {
                o.Namespace = keys.Namespace;
                o.FlushInterval = flushInterval;
            });
        });
        await app.StartAsync();
        // The handshake: the baseline read and the sketch on the version before any row is sent.
        await app.Services.GetRequiredService<SketchService>().RefreshAsync(reread: true);
        return (app, StackFixture.Client(ServerEndpoints.GrpcAddress(app)));
    }

    /// <summary>Sends <paramref name="rows"/> in requests of up to 4 rows; returns each row's predicted class.</summary>
    private static async Task<List<long>> SendAsync(GRPCInferenceService.GRPCInferenceServiceClient client, List<float[]> rows)
    {
        var labels = new List<long>();
        for (var start = 0; start < rows.Count; start += 4)
        {
            var batch = rows.GetRange(start, Math.Min(4, rows.Count - start));
            var answer = await client.ModelInferAsync(TestRequests.Propensity(SampleModels.Propensity, batch, version: "1"));
            labels.AddRange(answer.Outputs.Single(o => o.Name == "label").Contents.Int64Contents);
        }
        return labels;
    }

    private static Task<WindowCounts> ReadAsync(IConnectionMultiplexer redis, RedisKeys keys, BaselineProfile profile, DateTimeOffset around) =>
        new DriftCountStore(redis, keys).ReadAsync(SampleModels.Propensity, "1", around.AddHours(-1), around.AddHours(1), profile);

    [Fact]
    public async Task TwoWorkers_RowsSplitBetweenThem_RedisHoldsOneSketchsCountsOfEveryRow()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = RedisTargets.NewKeys("sk");
        var profile = PropensityBaseline.Profile();
        await new BaselineStore(redis, keys).SetAsync(profile);
        var repository = TestModels.NewRepository();
        var (first, firstClient) = await StartWorkerAsync(redis, keys, repository, s_never);
        var (second, secondClient) = await StartWorkerAsync(redis, keys, repository, s_never);
        var rows = PropensityBaseline.Rows(120, seed: 3);

        var labels = await SendAsync(firstClient, rows.GetRange(0, 64));
        labels.AddRange(await SendAsync(secondClient, rows.GetRange(64, 56)));
        await first.Services.GetRequiredService<SketchService>().FlushAsync();
        await second.Services.GetRequiredService<SketchService>().FlushAsync();
        var read = await ReadAsync(redis, keys, profile, DateTimeOffset.UtcNow);

        var one = new VersionSketch(profile);
        one.Update(rows.SelectMany(r => r).ToArray(), rows.Count, BatchPredictions.FromLabels(labels.ToArray()));
        TestBaselines.AssertSameCounts(one.Take(read.From, read.To), read);
        Assert.Equal(120, read.Rows);
        Assert.True(read.Missing[4] > 0, "the seeded rows hold NaNs");
        Assert.Equal(labels.Count(l => l == 1), read.Prediction![1]);
        await first.StopAsync();
        await second.StopAsync();
        await first.DisposeAsync();
        await second.DisposeAsync();
    }

    [Fact]
    public async Task WorkerRestart_LosesOnlyTheRowsSinceItsLastFlush_CleanStopLosesNone()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = RedisTargets.NewKeys("sk");
        var profile = PropensityBaseline.Profile();
        await new BaselineStore(redis, keys).SetAsync(profile);
        var repository = TestModels.NewRepository();
        var now = DateTimeOffset.UtcNow;
        var clock = new FakeTimeProvider(now);
        var interval = TimeSpan.FromSeconds(5);
        var (crashing, crashingClient) = await StartWorkerAsync(redis, keys, repository, interval, clock);

        await SendAsync(crashingClient, PropensityBaseline.Rows(40, seed: 1));
        clock.Advance(interval);
        await Wait.UntilAsync(async () => (await ReadAsync(redis, keys, profile, now)).Rows == 40);
        // Sent within the interval after that flush, then the worker dies without stopping.
        await SendAsync(crashingClient, PropensityBaseline.Rows(24, seed: 2));
        await crashing.DisposeAsync();
        var afterCrash = await ReadAsync(redis, keys, profile, now);

        var (restarted, restartedClient) = await StartWorkerAsync(redis, keys, repository, s_never);
        await SendAsync(restartedClient, PropensityBaseline.Rows(16, seed: 3));
        await restarted.StopAsync();
        await restarted.DisposeAsync();
        var afterRestart = await ReadAsync(redis, keys, profile, now);

        Assert.Equal(40, afterCrash.Rows);
        Assert.Equal(40 + 16, afterRestart.Rows);
        Assert.Equal(40 + 16, afterRestart.Prediction!.Sum());
    }

    [Fact]
    public async Task Capture_FromTraffic_StoresATrafficBaselineThatTheWorkerThenCountsAgainst()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = RedisTargets.NewKeys("sk");
        var (worker, client) = await StartWorkerAsync(redis, keys, TestModels.NewRepository(), TimeSpan.FromMilliseconds(200));
        var rows = PropensityBaseline.Rows(100, seed: 5);

        var capture = CliRunner.RunAsync("monitor", "baseline", "capture", SampleModels.Propensity, "1", "--rows", "40",
            "--redis", TestRedis.Address, "--namespace", keys.Namespace, "--timeout", "60s");
        // Traffic until the command has its rows: the handshake is the command finishing.
        for (var sent = 0; !capture.IsCompleted; sent = (sent + 4) % rows.Count)
        {
            await SendAsync(client, rows.GetRange(sent, 4));
        }
        var (exitCode, output, error) = await capture;
        var baseline = await new BaselineStore(redis, keys).GetAsync(SampleModels.Propensity, "1");

        Assert.True(exitCode == 0, output + error);
        Assert.Contains("40 of 40 rows", output, StringComparison.Ordinal);
        Assert.NotNull(baseline);
        Assert.Equal(("traffic", "features"), (baseline.Source, baseline.Input));
        // Rows with a NaN are left out of the bins, and the command says how many.
        Assert.InRange(baseline.Rows, 1, 40);
        if (baseline.Rows < 40)
        {
            Assert.Contains($"Left out {40 - baseline.Rows} rows", output, StringComparison.Ordinal);
        }
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"features[{i}]"), baseline.Features.Select(f => f.Name));
        Assert.Equal(SampleModels.PropensityClasses, baseline.Classes);
        Assert.Equal(FeatureKind.Categorical, baseline.Prediction!.Kind);
        Assert.Empty((await new CaptureStore(redis, keys).ListAsync()).Records);

        // The worker counts against the new baseline.
        var sketches = worker.Services.GetRequiredService<SketchService>();
        await sketches.RefreshAsync(reread: true);
        await sketches.FlushAsync();
        var before = await new DriftCountStore(redis, keys).ReadAsync(SampleModels.Propensity, "1", DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), baseline);
        await SendAsync(client, rows.GetRange(0, 8));
        await sketches.FlushAsync();
        var after = await new DriftCountStore(redis, keys).ReadAsync(SampleModels.Propensity, "1", DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), baseline);
        Assert.Equal(before.Rows + 8, after.Rows);
        await worker.StopAsync();
        await worker.DisposeAsync();
    }
}
