using MathNet.Numerics.Statistics;
using MlopsGateway.Registry.Feedback;

namespace MlopsGateway.Monitoring.Accuracy;

/// <summary>
/// Accuracy figures of one version over one window, each with a 95% interval, computed from the
/// labelled predictions: accuracy, per-class precision, recall and F1, and log loss for a
/// classifier; MAE and RMSE for a regressor; with label coverage and label delay.
/// </summary>
/// <remarks>
/// Intervals: Wilson's score interval for the proportions (accuracy, precision, recall). F1 is not
/// a proportion, but it is a monotone map of one: F1 = 2J / (1 + J) with the Jaccard index
/// J = TP / (TP + FP + FN), and among the rows that are a true positive, a false positive or a false
/// negative of the class, TP is binomial with probability J; so F1's interval is J's Wilson interval mapped
/// through 2J / (1 + J), closed-form and deterministic (no bootstrap seed to carry). Log loss and MAE are
/// means of per-row losses, with a normal interval (the labels of a window are many); RMSE's
/// interval is the normal interval of the mean squared error, square-rooted (the root is monotone).
/// </remarks>
public static class AccuracyCalculator
{
    /// <summary>Probabilities are clipped to [ε, 1 − ε] before the log, so one confident mistake costs ~34.5, not infinity (scikit-learn's ε).</summary>
    public const double ProbabilityClip = 1e-15;

    /// <summary>Computes the figures of <paramref name="labelled"/>.</summary>
    /// <param name="labelled">The window's labelled predictions of one version.</param>
    /// <param name="classes">A classifier's class names in output order; empty for a regressor.</param>
    /// <param name="predictions">Predictions recorded over the window (label coverage is labels ÷ this).</param>
    public static AccuracyReport Compute(IReadOnlyList<LabelledPrediction> labelled, IReadOnlyList<string> classes, long predictions)
    {
        ArgumentNullException.ThrowIfNull(labelled);
        ArgumentNullException.ThrowIfNull(classes);
        var (metrics, used) = classes.Count > 0 ? Classifier(labelled, classes) : Regressor(labelled);
        var delays = new List<double>(used.Count);
        foreach (var row in used)
        {
            delays.Add((row.LabelledAt - row.PredictedAt).TotalSeconds);
        }
        TimeSpan? median = delays.Count == 0 ? null : TimeSpan.FromSeconds(delays.Median());
        TimeSpan? p90 = delays.Count == 0 ? null : TimeSpan.FromSeconds(delays.Quantile(0.9));
        var coverage = predictions > 0 ? (double)used.Count / predictions : double.NaN;
        return new AccuracyReport(used.Count, labelled.Count - used.Count, predictions, coverage, median, p90, metrics);
    }

    private static (List<AccuracyMetric> Metrics, List<LabelledPrediction> Used) Classifier(
        IReadOnlyList<LabelledPrediction> labelled, IReadOnlyList<string> classes)
    {
        var k = classes.Count;
        // confusion[label, predicted]
        var confusion = new long[k, k];
        var used = new List<LabelledPrediction>(labelled.Count);
        var losses = new List<double>();
        long correct = 0;
        foreach (var row in labelled)
        {
            if (row.PredictedClass is not { } predicted || row.LabelClass is not { } label
                || predicted < 0 || predicted >= k || label < 0 || label >= k)
            {
                continue;
            }
            used.Add(row);
            confusion[label, predicted]++;
            correct += predicted == label ? 1 : 0;
            if (row.Probabilities is { } probabilities && probabilities.Count == k)
            {
                var p = Math.Clamp(probabilities[label], ProbabilityClip, 1 - ProbabilityClip);
                losses.Add(-Math.Log(p));
            }
        }

        var metrics = new List<AccuracyMetric>();
        var z = ConfidenceIntervals.Z95;
        if (used.Count == 0)
        {
            return (metrics, used);
        }
        metrics.Add(Proportion(AccuracyMetric.AccuracyName, null, correct, used.Count, z));
        if (losses.Count > 0)
        {
            var (mean, lower, upper) = ConfidenceIntervals.Mean(losses, z);
            metrics.Add(new AccuracyMetric(AccuracyMetric.LogLossName, null, mean, Math.Max(0, lower), upper, losses.Count));
        }
        for (var c = 0; c < k; c++)
        {
            long truePositive = confusion[c, c], predictedAs = 0, labelledAs = 0;
            for (var other = 0; other < k; other++)
            {
                predictedAs += confusion[other, c];
                labelledAs += confusion[c, other];
            }
            if (predictedAs > 0)
            {
                metrics.Add(Proportion(AccuracyMetric.PrecisionName, classes[c], truePositive, predictedAs, z));
            }
            if (labelledAs > 0)
            {
                metrics.Add(Proportion(AccuracyMetric.RecallName, classes[c], truePositive, labelledAs, z));
            }
            var involved = predictedAs + labelledAs - truePositive;
            if (involved > 0)
            {
                var (lower, upper) = ConfidenceIntervals.Wilson(truePositive, involved, z);
                var jaccard = (double)truePositive / involved;
                metrics.Add(new AccuracyMetric(AccuracyMetric.F1Name, classes[c], DiceOf(jaccard), DiceOf(lower), DiceOf(upper), involved));
            }
        }
        return (metrics, used);
    }

    private static (List<AccuracyMetric> Metrics, List<LabelledPrediction> Used) Regressor(IReadOnlyList<LabelledPrediction> labelled)
    {
        var used = new List<LabelledPrediction>(labelled.Count);
        var absolute = new List<double>(labelled.Count);
        var squared = new List<double>(labelled.Count);
        foreach (var row in labelled)
        {
            if (row.PredictedValue is not { } predicted || row.LabelValue is not { } label
                || !double.IsFinite(predicted) || !double.IsFinite(label))
            {
                continue;
            }
            used.Add(row);
            var error = predicted - label;
            absolute.Add(Math.Abs(error));
            squared.Add(error * error);
        }
        var metrics = new List<AccuracyMetric>();
        if (used.Count == 0)
        {
            return (metrics, used);
        }
        var z = ConfidenceIntervals.Z95;
        var (mae, maeLower, maeUpper) = ConfidenceIntervals.Mean(absolute, z);
        metrics.Add(new AccuracyMetric(AccuracyMetric.MaeName, null, mae, Math.Max(0, maeLower), maeUpper, used.Count));
        var (mse, mseLower, mseUpper) = ConfidenceIntervals.Mean(squared, z);
        metrics.Add(new AccuracyMetric(
            AccuracyMetric.RmseName, null, Math.Sqrt(mse), Math.Sqrt(Math.Max(0, mseLower)), Math.Sqrt(mseUpper), used.Count));
        return (metrics, used);
    }

    private static AccuracyMetric Proportion(string name, string? className, long successes, long trials, double z)
    {
        var (lower, upper) = ConfidenceIntervals.Wilson(successes, trials, z);
        return new AccuracyMetric(name, className, (double)successes / trials, lower, upper, trials);
    }

    private static double DiceOf(double jaccard) => 2 * jaccard / (1 + jaccard);
}
