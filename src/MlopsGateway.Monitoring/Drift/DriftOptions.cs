namespace MlopsGateway.Monitoring.Drift;

/// <summary>
/// How drift is scored: the window, the rows a window needs, the false-alarm rate each threshold
/// is calibrated for, and the share of features that makes the model drift.
/// </summary>
public sealed class DriftOptions
{
    /// <summary>The span of traffic one score covers (default 5 minutes, <c>--drift-window</c>).</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The fewest rows a feature (or the model) needs in a window to be scored (default 100);
    /// below it the state is <see cref="DriftState.Insufficient"/>, not ok.
    /// </summary>
    public long MinRows { get; set; } = 100;

    /// <summary>
    /// The share of windows drawn like the baseline that may be flagged, per feature and method
    /// (default 0.01, <c>--false-alarm-rate</c>): every threshold is calibrated for it.
    /// </summary>
    public double FalseAlarmRate { get; set; } = 0.01;

    /// <summary>
    /// The share of scored input features that must drift for the model to (default 0.5, as Evidently's
    /// dataset drift). The prediction is reported apart and does not count.
    /// </summary>
    public double DriftShare { get; set; } = 0.5;

    /// <summary>Windows resampled from the baseline to calibrate one threshold (default 1000).</summary>
    public int CalibrationReplicates { get; set; } = 1000;

    /// <summary>Seeds the resampling, so the same baseline and row count always give the same thresholds.</summary>
    public int Seed { get; set; } = 23;

    /// <summary>Every problem with these options, empty when there is none.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Window <= TimeSpan.Zero)
        {
            errors.Add($"the drift window must be positive (got {Window})");
        }
        if (MinRows < 1)
        {
            errors.Add($"the minimum rows per window must be at least 1 (got {MinRows})");
        }
        if (!(FalseAlarmRate > 0 && FalseAlarmRate < 0.5))
        {
            errors.Add($"the false-alarm rate must be above 0 and below 0.5 (got {FalseAlarmRate})");
        }
        if (!(DriftShare > 0 && DriftShare <= 1))
        {
            errors.Add($"the share of drifting features must be above 0 and at most 1 (got {DriftShare})");
        }
        // Fewer replicates than this would put the threshold at one of the few largest resampled
        // scores, and the false-alarm rate it gives would swing from run to run.
        if (CalibrationReplicates * FalseAlarmRate < 5)
        {
            errors.Add($"{CalibrationReplicates} calibration replicates are too few for a false-alarm rate of {FalseAlarmRate}: at least {Math.Ceiling(5 / FalseAlarmRate)} are needed");
        }
        return errors;
    }
}
