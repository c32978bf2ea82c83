namespace MlopsGateway.Monitoring.Accuracy;

/// <summary>How right a version's predictions were, from the labels sent for them over a window.</summary>
/// <param name="Labels">Labelled predictions the figures are computed from.</param>
/// <param name="Skipped">Labelled predictions left out: of the other kind (a value for a classifier, or a class for a regressor) or a class out of range.</param>
/// <param name="Predictions">Predictions recorded over the same window.</param>
/// <param name="Coverage"><paramref name="Labels"/> ÷ <paramref name="Predictions"/>; NaN when no prediction was recorded.</param>
/// <param name="DelayMedian">The median of label time − prediction time; null without labels.</param>
/// <param name="DelayP90">The 90th percentile of the same; null without labels.</param>
/// <param name="Metrics">Every figure that has rows to be computed from; for a classifier accuracy, log loss (when probabilities were recorded), then precision, recall and F1 per class; for a regressor MAE and RMSE.</param>
public sealed record AccuracyReport(
    long Labels,
    long Skipped,
    long Predictions,
    double Coverage,
    TimeSpan? DelayMedian,
    TimeSpan? DelayP90,
    IReadOnlyList<AccuracyMetric> Metrics)
{
    /// <summary>The figure of that name (and class), or null when there were no rows for it.</summary>
    public AccuracyMetric? Find(string name, string? className = null) =>
        Metrics.FirstOrDefault(m => m.Name == name && m.Class == className);
}
