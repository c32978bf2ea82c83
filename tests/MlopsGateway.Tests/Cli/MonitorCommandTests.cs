using System.Text.Json;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Drift;
using MlopsGateway.Registry.Feedback;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Tests.Monitoring.Quality;

namespace MlopsGateway.Tests.Cli;

public class MonitorCommandTests
{
    [Fact]
    public async Task Status_PlantedVersion_PrintsEachFeaturesRowAccuracyAndCoverage()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = QualityEvaluatorTests.NewNamespace();
        var shifted = QualityEvaluatorTests.Baseline("1");
        await new BaselineStore(redis, keys).SetAsync(shifted);
        var at = DateTimeOffset.UtcNow;
        var bucket = DateTimeOffset.FromUnixTimeSeconds(DriftCountStore.BucketStart(at.AddMinutes(-1)));
        await new DriftCountStore(redis, keys).AddAsync([QualityEvaluatorTests.Counts(shifted, bucket, 2000, 1, 31)]);
        await QualityEvaluatorTests.PlantLabelsAsync(redis, keys, at);

        var (exit, output, error) = await CliRunner.RunAsync("monitor", "status", "--redis", TestRedis.Address, "--namespace", keys.Namespace,
            "--model", QualityEvaluatorTests.Model, "--version", "1");
        var (jsonExit, json, _) = await CliRunner.RunAsync("monitor", "status", "--redis", TestRedis.Address, "--namespace", keys.Namespace,
            "--model", QualityEvaluatorTests.Model, "--version", "1", "--json");

        Assert.True(exit == 0, error);
        Assert.Contains($"{QualityEvaluatorTests.Model} version 1: ", output);
        Assert.Contains("2000 rows in the last 5m", output);
        var lines = output.Split('\n');
        Assert.Matches(@"visits\s*│\s*ks\s*│\s*[0-9.]+\s*│\s*[0-9.]+\s*│\s*2000\s*│\s*drift", Assert.Single(lines, l => l.Contains("visits") && l.Contains(" ks ")));
        Assert.Matches(@"age\s*│\s*ks\s*│.*│\s*ok", Assert.Single(lines, l => l.Contains("age") && l.Contains(" ks ")));
        Assert.Contains(lines, l => l.Contains("(psi)"));
        Assert.Contains("30 labels of 40 predictions, coverage 75.0%", output);
        Assert.Matches(@"accuracy\s*│\s*0\.8000\s*│\s*0\.[0-9]{4} - 0\.[0-9]{4}", Assert.Single(lines, l => l.Contains("│ accuracy ")));
        Assert.Equal(0, jsonExit);
        using var document = JsonDocument.Parse(json);
        var report = Assert.Single(document.RootElement.EnumerateArray().ToArray());
        Assert.Equal("1", report.GetProperty("version").GetString());
        Assert.Equal("drift", report.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("feature").GetString() == "visits" && f.GetProperty("primary").GetBoolean()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Status_ModelWithNoVersionAnywhere_RefusedAskingForOne()
    {
        var (exit, _, error) = await CliRunner.RunAsync("monitor", "status", "--redis", TestRedis.Address, "--namespace", QualityEvaluatorTests.NewNamespace().Namespace,
            "--model", "nothing");

        Assert.Equal(1, exit);
        Assert.Contains("name one with --version", error);
    }

    [Fact]
    public async Task Status_ModelWithNothingRecorded_RefusedSayingHowToMakeABaseline()
    {
        var (exit, _, error) = await CliRunner.RunAsync("monitor", "status", "--redis", TestRedis.Address, "--namespace", QualityEvaluatorTests.NewNamespace().Namespace,
            "--model", "nothing", "--version", "1");

        Assert.Equal(1, exit);
        Assert.Contains("has no baseline and no recorded predictions for version 1", error);
    }

    [Fact]
    public async Task StatusWatch_CountsGrowing_PrintsRefreshedReportsAndStopsOnCancellation()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = QualityEvaluatorTests.NewNamespace();
        var baseline = QualityEvaluatorTests.Baseline("1");
        await new BaselineStore(redis, keys).SetAsync(baseline);
        var bucket = DateTimeOffset.FromUnixTimeSeconds(DriftCountStore.BucketStart(DateTimeOffset.UtcNow.AddMinutes(-1)));
        var counts = new DriftCountStore(redis, keys);
        await counts.AddAsync([QualityEvaluatorTests.Counts(baseline, bucket, 2000, 0, 31)]);
        var output = new LockedWriter();
        using var stop = new CancellationTokenSource();

        var run = CliRunner.StartAsync(output, stop.Token, "monitor", "status", "--redis", TestRedis.Address, "--namespace", keys.Namespace,
            "--model", QualityEvaluatorTests.Model, "--version", "1", "--watch");
        await Wait.UntilAsync(() => output.Text.Contains("2000 rows in the last 5m"), seconds: 30);
        await counts.AddAsync([QualityEvaluatorTests.Counts(baseline, bucket, 500, 0, 32)]);
        await Wait.UntilAsync(() => output.Text.Contains("2500 rows in the last 5m"), seconds: 30);
        await stop.CancelAsync();
        var exit = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, exit);
        // Into a file or a pipe each refresh follows the last: the first report, then the refreshed one.
        var text = output.Text;
        Assert.True(text.IndexOf("2000 rows", StringComparison.Ordinal) < text.IndexOf("2500 rows", StringComparison.Ordinal), text);
        Assert.Contains(text.Split('\n'), l => l.StartsWith($"{QualityEvaluatorTests.Model} version 1: OK", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Status_OneLabelWithProbabilities_UndefinedBoundsPrintNotAvailableAndJsonNull()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = QualityEvaluatorTests.NewNamespace();
        var feedback = new FeedbackStore(redis, keys, baselines: (m, v) => new BaselineStore(redis, keys).GetAsync(m, v));
        await new BaselineStore(redis, keys).SetAsync(QualityEvaluatorTests.Baseline("1"));
        await feedback.RecordAsync([new PredictionRecord(QualityEvaluatorTests.Model, "only", "1", DateTimeOffset.UtcNow.AddMinutes(-2), 1, [0.3f, 0.7f])], TimeSpan.FromHours(1));
        Assert.Equal(LabelResult.Accepted, (await feedback.SubmitLabelAsync(QualityEvaluatorTests.Model, "only", "yes", "tests")).Result);
        string[] args = ["monitor", "status", "--redis", TestRedis.Address, "--namespace", keys.Namespace, "--model", QualityEvaluatorTests.Model, "--version", "1"];

        var (exit, output, error) = await CliRunner.RunAsync(args);
        var (jsonExit, json, jsonError) = await CliRunner.RunAsync([.. args, "--json"]);

        Assert.True(exit == 0, error);
        Assert.DoesNotContain("NaN", output, StringComparison.Ordinal);
        Assert.Matches(@"log_loss\s*│\s*0\.3567\s*│\s*n/a", Assert.Single(output.Split('\n'), l => l.Contains("│ log_loss ")));
        Assert.True(jsonExit == 0, jsonError);
        using var document = JsonDocument.Parse(json);
        var logLoss = document.RootElement[0].GetProperty("accuracy").EnumerateArray().Single(f => f.GetProperty("metric").GetString() == "log_loss");
        Assert.Equal((JsonValueKind.Null, JsonValueKind.Null), (logLoss.GetProperty("lower").ValueKind, logLoss.GetProperty("upper").ValueKind));
        Assert.Equal(-Math.Log(0.7), logLoss.GetProperty("value").GetDouble(), 4);
    }
}
