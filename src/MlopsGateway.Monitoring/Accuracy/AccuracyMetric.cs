namespace MlopsGateway.Monitoring.Accuracy;

/// <summary>One accuracy figure of a version over a window, with its 95% interval.</summary>
/// <param name="Name">One of the names below (<see cref="AccuracyName"/>, <see cref="PrecisionName"/>, …).</param>
/// <param name="Class">The class a per-class figure (precision, recall, F1) is of; null for the others.</param>
/// <param name="Value">The figure.</param>
/// <param name="Lower">The lower bound of its 95% interval (NaN when one row cannot give one).</param>
/// <param name="Upper">The upper bound of its 95% interval.</param>
/// <param name="Count">The rows it was computed from (for precision, the rows predicted as the class; for recall, those labelled as it).</param>
public sealed record AccuracyMetric(string Name, string? Class, double Value, double Lower, double Upper, long Count)
{
    /// <summary>The share of predictions that match their label (Wilson interval).</summary>
    public const string AccuracyName = "accuracy";

    /// <summary>Per class: the share of rows predicted as the class that are labelled as it (Wilson interval).</summary>
    public const string PrecisionName = "precision";

    /// <summary>Per class: the share of rows labelled as the class that are predicted as it (Wilson interval).</summary>
    public const string RecallName = "recall";

    /// <summary>Per class: the harmonic mean of precision and recall (Wilson interval on the Jaccard index, mapped).</summary>
    public const string F1Name = "f1";

    /// <summary>Mean negative log-probability of the true class (probabilities clipped to [1e-15, 1 − 1e-15]; normal interval).</summary>
    public const string LogLossName = "log_loss";

    /// <summary>A regressor's mean absolute error (normal interval).</summary>
    public const string MaeName = "mae";

    /// <summary>A regressor's root mean squared error (normal interval on the mean squared error, square-rooted).</summary>
    public const string RmseName = "rmse";

    /// <summary>The name, with the class after a colon for a per-class figure (<c>recall:churned</c>): a metric label.</summary>
    public string Label => Class is null ? Name : $"{Name}:{Class}";
}
