namespace MlopsGateway.Monitoring.Alerts;

/// <summary>When the alert tracker starts and ends an alert.</summary>
public sealed record AlertRules
{
    /// <summary>Consecutive evaluations in drift (or below the accuracy threshold) before an alert starts: one noisy window alone never pages anyone.</summary>
    public int StartAfter { get; init; } = 2;

    /// <summary>Consecutive evaluations back to normal before an alert ends, longer than <see cref="StartAfter"/> so that a feature at the edge does not flap.</summary>
    public int EndAfter { get; init; } = 3;

    /// <summary>Accuracy alerts: the figure named <see cref="AccuracyMetric"/> alerts while its interval's lower bound is under this; null: no accuracy alerts.</summary>
    public double? AccuracyBelow { get; init; }

    /// <summary>The accuracy figure <see cref="AccuracyBelow"/> applies to.</summary>
    public string AccuracyMetric { get; init; } = "accuracy";

    /// <summary>Fewer labels in the window than this say nothing about accuracy either way.</summary>
    public long MinLabels { get; init; } = 30;
}
