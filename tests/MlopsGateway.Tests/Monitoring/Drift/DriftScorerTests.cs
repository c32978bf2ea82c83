using MlopsGateway.Monitoring.Drift;
using MlopsGateway.Registry.Baselines;
using Xunit.Abstractions;

namespace MlopsGateway.Tests.Monitoring.Drift;

public class DriftScorerTests(ITestOutputHelper output)
{
    private static readonly BaselineProfile s_baseline = ShapedRows.Profile(ShapedRows.Draw(20_000, seed: 1));

    // At the default 1% per feature, the five unshifted features of the five cases below would raise a
    // false alarm somewhere about one run in five; at 0.1% one is a real failure. Shared, so it calibrates once.
    private static readonly DriftOptions s_strict = new() { FalseAlarmRate = 0.001, CalibrationReplicates = 5_000 };
    private static readonly DriftScorer s_strictScorer = new();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Score_OneFeatureShiftedByOneStdDev_OnlyThatFeatureDrifts(int shifted)
    {
        var rows = ShapedRows.Shift(ShapedRows.Draw(2_000, seed: 100 + shifted), shifted, s_baseline.Features[shifted].StdDev);

        var report = s_strictScorer.Score(s_baseline, ShapedRows.Count(s_baseline, rows), s_strict);

        for (var f = 0; f < report.Features.Count; f++)
        {
            var feature = report.Features[f];
            output.WriteLine($"{feature.Name,-12} {feature.Primary.ToLabel(),-4} {feature.PrimaryScore.Score,8:F4} > {feature.PrimaryScore.Threshold,8:F4}? {feature.State.ToLabel()}");
            Assert.Equal(f == shifted ? DriftState.Drift : DriftState.Ok, feature.State);
        }
        Assert.Equal(DriftState.Ok, report.State);
        Assert.Equal(1.0 / 6, report.DriftShare, 9);
    }

    [Fact]
    public void Score_WindowsDrawnLikeTheBaseline_FalseAlarmsAtMostTwiceTheRate()
    {
        var options = new DriftOptions();
        var scorer = new DriftScorer();
        // Small windows (where a fixed PSI threshold fails), middling ones, and ones past the resampling cap.
        int[] sizes = [150, 600, 2_000, 8_000];
        const int Windows = 500;
        int featureWindows = 0, featureAlarms = 0, modelAlarms = 0;
        var methodAlarms = new Dictionary<DriftMethod, int>();
        for (var w = 0; w < Windows; w++)
        {
            var rows = ShapedRows.Draw(sizes[w % sizes.Length], seed: 10_000 + w);
            var report = scorer.Score(s_baseline, ShapedRows.Count(s_baseline, rows), options);
            modelAlarms += report.State == DriftState.Drift ? 1 : 0;
            foreach (var feature in report.Features)
            {
                Assert.NotEqual(DriftState.Insufficient, feature.State);
                featureWindows++;
                featureAlarms += feature.State == DriftState.Drift ? 1 : 0;
                foreach (var score in feature.Scores.Where(s => s.Exceeded))
                {
                    methodAlarms[score.Method] = methodAlarms.GetValueOrDefault(score.Method) + 1;
                }
            }
        }

        var rate = (double)featureAlarms / featureWindows;
        output.WriteLine($"feature-windows {featureWindows}, false alarms {featureAlarms} ({rate:P2}); model windows {Windows}, false alarms {modelAlarms} ({(double)modelAlarms / Windows:P2}); thresholds cached {scorer.Calibrator.CachedCount}");
        foreach (var (method, alarms) in methodAlarms.OrderBy(m => m.Key))
        {
            var windows = method is DriftMethod.Psi or DriftMethod.JensenShannon ? featureWindows
                : method == DriftMethod.ChiSquare ? Windows : featureWindows - Windows;
            output.WriteLine($"  {method.ToLabel(),-4} exceeded {alarms} of {windows} ({(double)alarms / windows:P2})");
            Assert.True((double)alarms / windows <= 2 * options.FalseAlarmRate, $"{method.ToLabel()} exceeded its threshold in {alarms} of {windows}");
        }
        Assert.True(rate <= 2 * options.FalseAlarmRate, $"{featureAlarms} false alarms in {featureWindows} feature-windows");
        // Not vacuous: thresholds so wide that nothing ever fires would pass the bound above.
        Assert.True(rate >= options.FalseAlarmRate / 4, $"only {featureAlarms} alarms in {featureWindows}: thresholds far too wide");
        Assert.True((double)modelAlarms / Windows <= 2 * options.FalseAlarmRate);
    }

    [Fact]
    public void Score_WindowWithTheBaselinesOwnShares_ScoresZero()
    {
        var counts = s_baseline.Features.Select(f => f.Counts.Select(c => c * 3).ToArray()).ToArray();
        var window = new WindowCounts("shaped", "1", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 60_000, counts, new long[6], null);

        var report = new DriftScorer().Score(s_baseline, window, new DriftOptions());

        Assert.Equal(DriftState.Ok, report.State);
        foreach (var feature in report.Features)
        {
            Assert.Equal(DriftState.Ok, feature.State);
            // JS, KS and chi-square read raw shares (exactly equal); PSI's smoothing adds 0.5 rows per bin to each side.
            Assert.All(feature.Scores, s => Assert.InRange(s.Score, 0, s.Method == DriftMethod.Psi ? 1e-4 : 1e-9));
            var psi = feature.Scores.Single(s => s.Method == DriftMethod.Psi);
            Assert.True(psi.Score < psi.Threshold / 10, $"{feature.Name}: PSI {psi.Score} against {psi.Threshold}");
        }
    }

    [Fact]
    public void Score_FewerRowsThanTheMinimum_Insufficient()
    {
        var rows = ShapedRows.Draw(99, seed: 7);

        var report = new DriftScorer().Score(s_baseline, ShapedRows.Count(s_baseline, rows), new DriftOptions { MinRows = 100 });

        Assert.Equal(DriftState.Insufficient, report.State);
        Assert.All(report.Features, f => Assert.Equal(DriftState.Insufficient, f.State));
        Assert.All(report.Features, f => Assert.True(double.IsNaN(f.PrimaryScore.Threshold)));
        Assert.All(report.Features, f => Assert.False(double.IsNaN(f.PrimaryScore.Score)));
    }

    [Fact]
    public void Score_FeatureMostlyNaN_InsufficientAndNotCountedInTheShare()
    {
        var rows = ShapedRows.Draw(1_000, seed: 8);
        foreach (var row in rows.Skip(50))
        {
            row[0] = float.NaN;
        }
        ShapedRows.Shift(rows, 1, 3 * s_baseline.Features[1].StdDev);
        ShapedRows.Shift(rows, 2, 3 * s_baseline.Features[2].StdDev);

        var report = new DriftScorer().Score(s_baseline, ShapedRows.Count(s_baseline, rows), new DriftOptions());

        Assert.Equal(DriftState.Insufficient, report.Features[0].State);
        Assert.Equal(950, report.Features[0].Missing);
        Assert.Equal(50, report.Features[0].Rows);
        // Two of the five scored features drift: 40%, below the default half.
        Assert.Equal(0.4, report.DriftShare, 9);
        Assert.Equal(DriftState.Ok, report.State);
        Assert.Equal(DriftState.Drift, new DriftScorer().Score(s_baseline, ShapedRows.Count(s_baseline, rows), new DriftOptions { DriftShare = 0.4 }).State);
    }

    [Fact]
    public void Score_HalfTheFeaturesShifted_ModelDrifts()
    {
        var rows = ShapedRows.Draw(2_000, seed: 9);
        foreach (var f in new[] { 0, 2, 4 })
        {
            ShapedRows.Shift(rows, f, s_baseline.Features[f].StdDev);
        }

        var report = new DriftScorer().Score(s_baseline, ShapedRows.Count(s_baseline, rows), new DriftOptions());

        Assert.Equal(0.5, report.DriftShare, 9);
        Assert.Equal(DriftState.Drift, report.State);
    }

    [Fact]
    public void Score_CategoryTheBaselineNeverSaw_ChiSquareDrifts()
    {
        var rows = ShapedRows.Draw(2_000, seed: 11);
        foreach (var row in rows.Take(60))
        {
            row[ShapedRows.Region] = 9;
        }

        var report = new DriftScorer().Score(s_baseline, ShapedRows.Count(s_baseline, rows), new DriftOptions());

        var region = report.Features[ShapedRows.Region];
        Assert.Equal(DriftMethod.ChiSquare, region.Primary);
        Assert.Equal(DriftState.Drift, region.State);
        Assert.Equal(60, ShapedRows.Count(s_baseline, rows).Features[ShapedRows.Region][^1]);
    }

    [Fact]
    public void Score_PredictionProfile_ScoredApartFromTheFeatures()
    {
        var prediction = new FeatureProfile("prediction", FeatureKind.Categorical, [], ["stay", "churn"], [8_000, 2_000, 0], 0, 0, 0, 0);
        var baseline = s_baseline with { Prediction = prediction, Classes = ["stay", "churn"] };
        var window = ShapedRows.Count(baseline, ShapedRows.Draw(1_000, seed: 12)) with { Prediction = [500, 500, 0] };

        var report = new DriftScorer().Score(baseline, window, new DriftOptions());

        Assert.NotNull(report.Prediction);
        Assert.Equal(DriftState.Drift, report.Prediction.State);
        Assert.Equal(1_000, report.Prediction.Rows);
        Assert.Equal(DriftState.Ok, report.State);
    }

    [Fact]
    public void Score_WindowBinsNotTheBaselines_ThrowsNamingTheFeature()
    {
        var window = ShapedRows.Count(s_baseline, ShapedRows.Draw(200, seed: 13));
        var features = window.Features.ToArray();
        features[2] = new long[3];

        var error = Assert.Throws<ArgumentException>(() => new DriftScorer().Score(s_baseline, window with { Features = features }, new DriftOptions()));

        Assert.Contains("wait_s", error.Message);
    }

    [Fact]
    public void Score_InvalidOptions_ThrowsWithEveryProblem()
    {
        var window = ShapedRows.Count(s_baseline, ShapedRows.Draw(200, seed: 14));
        var options = new DriftOptions { FalseAlarmRate = 0, DriftShare = 2, MinRows = 0 };

        var error = Assert.Throws<ArgumentException>(() => new DriftScorer().Score(s_baseline, window, options));

        Assert.Contains("false-alarm rate", error.Message);
        Assert.Contains("share of drifting features", error.Message);
        Assert.Contains("minimum rows", error.Message);
    }
}
