using MlopsGateway.Monitoring.Accuracy;
using MlopsGateway.Monitoring.Baselines;
using MlopsGateway.Monitoring.Quality;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Drift;
using MlopsGateway.Registry.Feedback;
using MlopsGateway.Tests.Infrastructure;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Monitoring.Quality;

/// <summary>The evaluator over a real Redis holding a planted baseline, drift counts, predictions and labels.</summary>
public class QualityEvaluatorTests
{
    internal const string Model = "quality";

    private static readonly string[] s_classes = ["no", "yes"];

    internal static RedisKeys NewNamespace() => new("quality-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>A baseline of two normal features over 5,000 seeded rows, with a classifier's predictions.</summary>
    internal static BaselineProfile Baseline(string version)
    {
        var random = new Random(7);
        var rows = Enumerable.Range(0, 5000).Select(_ => new[] { (float)Normal(random), (float)Normal(random) }).ToArray();
        var predictions = BaselinePredictions.Classes(rows.Select(r => r[0] > 0 ? 1 : 0).ToArray(), s_classes);
        return BaselineBuilder.Build(new BaselineSpec(Model, version, "features", "sample", ["age", "visits"]) { Seed = 1 }, rows, predictions);
    }

    internal static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>Counts <paramref name="rows"/> rows drawn like the baseline into its bins, <paramref name="shift"/> standard deviations added to 'visits'.</summary>
    internal static WindowCounts Counts(BaselineProfile baseline, DateTimeOffset at, int rows, double shift, int seed)
    {
        var random = new Random(seed);
        var features = baseline.Features.Select(f => new long[f.BinCount]).ToArray();
        var prediction = new long[baseline.Prediction!.BinCount];
        for (var i = 0; i < rows; i++)
        {
            var age = Normal(random);
            var visits = Normal(random) + shift;
            features[0][BaselineBuilder.NumericBin(baseline.Features[0].Edges, age)]++;
            features[1][BaselineBuilder.NumericBin(baseline.Features[1].Edges, visits)]++;
            prediction[age > 0 ? 1 : 0]++;
        }
        return new WindowCounts(baseline.Model, baseline.Version, at, at + DriftCountStore.BucketLength, rows, features, [0, 0], prediction);
    }

    /// <summary>Version 1: 40 predictions two minutes before <paramref name="at"/>, 30 labelled, 24 of them right.</summary>
    internal static async Task PlantLabelsAsync(IConnectionMultiplexer redis, RedisKeys keys, DateTimeOffset at)
    {
        var feedback = new FeedbackStore(redis, keys, baselines: (m, v) => new BaselineStore(redis, keys).GetAsync(m, v));
        var predictions = Enumerable.Range(0, 40).Select(i => new PredictionRecord(Model, $"p{i}", "1", at.AddMinutes(-2), Class: i % 2)).ToArray();
        await feedback.RecordAsync(predictions, TimeSpan.FromHours(1));
        for (var i = 0; i < 30; i++)
        {
            var right = i < 24;
            var label = s_classes[right ? i % 2 : 1 - (i % 2)];
            Assert.Equal(LabelResult.Accepted, (await feedback.SubmitLabelAsync(Model, $"p{i}", label, "tests")).Result);
        }
    }

    [Fact]
    public async Task EvaluateAsync_PlantedCountsAndLabels_DriftOnTheShiftedFeatureAndAccuracyAsCounted()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = NewNamespace();
        var (calm, shifted) = (Baseline("1"), Baseline("2"));
        await new BaselineStore(redis, keys).SetAsync(calm);
        await new BaselineStore(redis, keys).SetAsync(shifted);
        var at = DateTimeOffset.UtcNow;
        var bucket = DateTimeOffset.FromUnixTimeSeconds(DriftCountStore.BucketStart(at.AddMinutes(-1)));
        await new DriftCountStore(redis, keys).AddAsync([Counts(calm, bucket, 2000, 0, 11), Counts(shifted, bucket, 2000, 1, 12)]);
        await PlantLabelsAsync(redis, keys, at);
        var evaluator = new QualityEvaluator(redis, keys, new QualityWindows());
        var end = DateTimeOffset.UtcNow.AddSeconds(1);

        var one = (await evaluator.EvaluateAsync(Model, "1", end))!;
        var two = (await evaluator.EvaluateAsync(Model, "2", end))!;

        Assert.Equal(DriftStates.Ok, one.DriftState);
        Assert.Equal(2000, one.Rows);
        Assert.All(one.Features.Where(f => f.Primary), f => Assert.Equal(DriftStates.Ok, f.State));
        Assert.Equal(["age", "visits", BaselineProfile.PredictionName], one.Features.Where(f => f.Primary).Select(f => f.Feature));
        var visits = Assert.Single(two.Features, f => f.Primary && f.Feature == "visits");
        Assert.Equal((DriftStates.Drift, "ks"), (visits.State, visits.Method));
        Assert.True(visits.Score > visits.Threshold);
        Assert.Equal(DriftStates.Ok, Assert.Single(two.Features, f => f.Primary && f.Feature == "age").State);
        var accuracy = Assert.Single(one.Accuracy, a => a.Metric == AccuracyMetric.AccuracyName);
        Assert.Equal(24.0 / 30, accuracy.Value, 9);
        Assert.True(accuracy.Lower < accuracy.Value && accuracy.Value < accuracy.Upper);
        Assert.Equal((40, 30), (one.Predictions, one.Labels));
        Assert.Equal(0.75, one.Coverage);
        Assert.NotNull(one.LabelDelay);
        Assert.Null(two.Coverage);
    }

    [Fact]
    public async Task EvaluateAsync_NoBaselineNoPredictions_Null()
    {
        await using var redis = await TestRedis.ConnectAsync();

        Assert.Null(await new QualityEvaluator(redis, NewNamespace(), new QualityWindows()).EvaluateAsync(Model, "9", DateTimeOffset.UtcNow));
    }
}
