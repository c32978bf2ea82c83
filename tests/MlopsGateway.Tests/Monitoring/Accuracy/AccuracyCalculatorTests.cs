using MathNet.Numerics.Random;
using MlopsGateway.Monitoring.Accuracy;
using MlopsGateway.Registry.Feedback;

namespace MlopsGateway.Tests.Monitoring.Accuracy;

public class AccuracyCalculatorTests
{
    private static readonly string[] s_classes = ["bronze", "silver", "gold"];
    private static readonly DateTimeOffset s_at = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Stat. Med. 17, table I, method 3 (score, no correction).
    [InlineData(81, 263, 0.2553, 0.3662)]
    [InlineData(15, 148, 0.0624, 0.1605)]
    [InlineData(0, 20, 0.0000, 0.1611)]
    [InlineData(1, 29, 0.0061, 0.1718)]
    public void Wilson_TextbookCases_MatchToFourPlaces(long successes, long trials, double lower, double upper)
    {
        var (low, high) = ConfidenceIntervals.Wilson(successes, trials, ConfidenceIntervals.Z95);

        Assert.Equal(lower, low, 4);
        Assert.Equal(upper, high, 4);
    }

    [Fact]
    public void Compute_Classifier_EqualsADirectComputationOverTheSameLabels()
    {
        var rows = Classified(3_000, seed: 3);

        var report = AccuracyCalculator.Compute(rows, s_classes, predictions: 6_000);

        Assert.Equal(3_000, report.Labels);
        Assert.Equal(0.5, report.Coverage, 12);
        var correct = rows.Count(r => r.PredictedClass == r.LabelClass);
        var accuracy = report.Find(AccuracyMetric.AccuracyName)!;
        Assert.Equal((double)correct / rows.Count, accuracy.Value, 12);
        var (low, high) = ConfidenceIntervals.Wilson(correct, rows.Count, ConfidenceIntervals.Z95);
        Assert.Equal(low, accuracy.Lower, 12);
        Assert.Equal(high, accuracy.Upper, 12);

        var logLoss = rows.Average(r => -Math.Log(Math.Clamp(r.Probabilities![r.LabelClass!.Value], 1e-15, 1 - 1e-15)));
        Assert.Equal(logLoss, report.Find(AccuracyMetric.LogLossName)!.Value, 10);

        for (var c = 0; c < s_classes.Length; c++)
        {
            var tp = rows.Count(r => r.PredictedClass == c && r.LabelClass == c);
            var fp = rows.Count(r => r.PredictedClass == c && r.LabelClass != c);
            var fn = rows.Count(r => r.PredictedClass != c && r.LabelClass == c);
            var precision = (double)tp / (tp + fp);
            var recall = (double)tp / (tp + fn);
            Assert.Equal(precision, report.Find(AccuracyMetric.PrecisionName, s_classes[c])!.Value, 12);
            Assert.Equal(recall, report.Find(AccuracyMetric.RecallName, s_classes[c])!.Value, 12);
            var f1 = report.Find(AccuracyMetric.F1Name, s_classes[c])!;
            Assert.Equal(2 * precision * recall / (precision + recall), f1.Value, 12);
            Assert.InRange(f1.Value, f1.Lower, f1.Upper);
            Assert.InRange(f1.Upper - f1.Lower, 0.01, 0.1);
        }
    }

    [Fact]
    public void Compute_F1Interval_CoversTheTrueF1AboutNinetyFivePercentOfTheTime()
    {
        // Population: recall 0.8 and precision 0.6 for class 0 → F1 = 2·0.48/1.4.
        const double TrueF1 = 2 * 0.6 * 0.8 / (0.6 + 0.8);
        var random = new Xoshiro256StarStar(17);
        var covered = 0;
        const int Trials = 400;
        for (var t = 0; t < Trials; t++)
        {
            var rows = new List<LabelledPrediction>();
            for (var i = 0; i < 400; i++)
            {
                // Class 0 is a quarter of the labels: TP 0.2, FN 0.05 (recall 0.8); FP 0.2/0.6 − 0.2 = 2/15 of all rows
                // (precision 0.6), so 2/15 ÷ 0.75 of the other labels are predicted 0.
                var label = random.NextDouble() < 0.25 ? 0 : 1;
                var predictedZero = label == 0 ? random.NextDouble() < 0.8 : random.NextDouble() < 2.0 / 15 / 0.75;
                var predicted = predictedZero ? 0 : 1;
                rows.Add(Row(i, predicted, label, null));
            }
            var f1 = AccuracyCalculator.Compute(rows, ["a", "b"], rows.Count).Find(AccuracyMetric.F1Name, "a")!;
            covered += f1.Lower <= TrueF1 && TrueF1 <= f1.Upper ? 1 : 0;
        }
        Assert.InRange((double)covered / Trials, 0.92, 0.98);
    }

    [Fact]
    public void Compute_Regressor_MaeAndRmseEqualADirectComputation()
    {
        var random = new Xoshiro256StarStar(5);
        var rows = Enumerable.Range(0, 1_000).Select(i =>
        {
            var label = random.NextDouble() * 100;
            return new LabelledPrediction($"p{i}", "m", "1", null, null, label + ((random.NextDouble() - 0.5) * 10), null, label, "k", s_at, s_at.AddSeconds(i));
        }).ToList();

        var report = AccuracyCalculator.Compute(rows, [], predictions: 1_000);

        var mae = rows.Average(r => Math.Abs(r.PredictedValue!.Value - r.LabelValue!.Value));
        var rmse = Math.Sqrt(rows.Average(r => Math.Pow(r.PredictedValue!.Value - r.LabelValue!.Value, 2)));
        var maeFigure = report.Find(AccuracyMetric.MaeName)!;
        var rmseFigure = report.Find(AccuracyMetric.RmseName)!;
        Assert.Equal(mae, maeFigure.Value, 10);
        Assert.Equal(rmse, rmseFigure.Value, 10);
        // Errors uniform on ±5: MAE 2.5, RMSE 5/√3; each interval covers its value and is tight at 1,000 rows.
        Assert.InRange(maeFigure.Value, maeFigure.Lower, maeFigure.Upper);
        Assert.InRange(rmseFigure.Value, rmseFigure.Lower, rmseFigure.Upper);
        Assert.InRange(maeFigure.Upper - maeFigure.Lower, 0.05, 0.4);
        Assert.Null(report.Find(AccuracyMetric.AccuracyName));
        Assert.Equal(1.0, report.Coverage);
    }

    [Fact]
    public void Compute_LabelDelays_MedianAndNinetiethPercentile()
    {
        // Delays 1..10 minutes.
        var rows = Enumerable.Range(1, 10).Select(i => Row(i, 0, 0, null) with { LabelledAt = s_at.AddMinutes(i) }).ToList();

        var report = AccuracyCalculator.Compute(rows, s_classes, predictions: 40);

        Assert.Equal(TimeSpan.FromMinutes(5.5), report.DelayMedian);
        Assert.InRange(report.DelayP90!.Value.TotalMinutes, 9, 10);
        Assert.Equal(0.25, report.Coverage);
    }

    [Fact]
    public void Compute_RowsOfTheOtherKindOrOutOfRange_SkippedAndCounted()
    {
        List<LabelledPrediction> rows =
        [
            Row(0, 1, 1, null),
            Row(1, 1, 7, null),
            new("r", "m", "1", null, null, 2.5, null, 3.0, "k", s_at, s_at),
        ];

        var report = AccuracyCalculator.Compute(rows, s_classes, predictions: 0);

        Assert.Equal(1, report.Labels);
        Assert.Equal(2, report.Skipped);
        Assert.True(double.IsNaN(report.Coverage));
        Assert.Null(report.Find(AccuracyMetric.LogLossName));
        Assert.Null(report.Find(AccuracyMetric.PrecisionName, "gold"));
    }

    [Fact]
    public void Compute_NoLabels_NoFiguresNoDelay()
    {
        var report = AccuracyCalculator.Compute([], s_classes, predictions: 10);

        Assert.Empty(report.Metrics);
        Assert.Null(report.DelayMedian);
        Assert.Equal(0, report.Coverage);
    }

    private static List<LabelledPrediction> Classified(int count, int seed)
    {
        var random = new Xoshiro256StarStar(seed);
        var rows = new List<LabelledPrediction>(count);
        for (var i = 0; i < count; i++)
        {
            var label = random.Next(3);
            var predicted = random.NextDouble() < 0.7 ? label : random.Next(3);
            var weights = Enumerable.Range(0, 3).Select(c => random.NextDouble() + (c == predicted ? 2 : 0)).ToArray();
            // Some rows certain of a wrong class: the clip keeps their loss finite.
            if (i % 500 == 0)
            {
                weights = Enumerable.Range(0, 3).Select(c => c == label ? 0.0 : 1.0).ToArray();
            }
            var probabilities = weights.Select(w => (float)(w / weights.Sum())).ToArray();
            rows.Add(Row(i, predicted, label, probabilities));
        }
        return rows;
    }

    private static LabelledPrediction Row(int i, int predicted, int label, float[]? probabilities) =>
        new($"p{i}", "m", "1", predicted, probabilities, null, label, null, "k", s_at, s_at.AddSeconds(30));
}
