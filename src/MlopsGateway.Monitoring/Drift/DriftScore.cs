namespace MlopsGateway.Monitoring.Drift;

/// <summary>One method's score of one feature over one window, with the threshold it is held to.</summary>
/// <param name="Method">The method.</param>
/// <param name="Score">The score; NaN when the window has no rows of the feature.</param>
/// <param name="Threshold">
/// The score that windows drawn like the baseline pass with probability <see cref="DriftOptions.FalseAlarmRate"/>
/// at this window's row count; NaN when the feature had too few rows to be scored.
/// </param>
/// <param name="Exceeded">Whether <paramref name="Score"/> is above <paramref name="Threshold"/>.</param>
public sealed record DriftScore(DriftMethod Method, double Score, double Threshold, bool Exceeded);
