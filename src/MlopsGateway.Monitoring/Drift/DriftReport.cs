namespace MlopsGateway.Monitoring.Drift;

/// <summary>One window of one model version scored against its baseline.</summary>
/// <param name="Model">The model name.</param>
/// <param name="Version">The version.</param>
/// <param name="From">Start of the window (inclusive).</param>
/// <param name="To">End of the window (exclusive).</param>
/// <param name="Rows">Rows in the window.</param>
/// <param name="State">
/// Drift when at least <paramref name="DriftShareThreshold"/> of the scored features drift; insufficient when the
/// window has fewer than <see cref="DriftOptions.MinRows"/> rows or no feature could be scored; else ok.
/// </param>
/// <param name="DriftShare">The share of scored input features that drift (0 when none was scored).</param>
/// <param name="DriftShareThreshold">The share that makes the model drift (<see cref="DriftOptions.DriftShare"/>).</param>
/// <param name="Features">Per input feature, in the baseline's order.</param>
/// <param name="Prediction">The prediction's distribution; null when the baseline or the window has none.</param>
public sealed record DriftReport(
    string Model,
    string Version,
    DateTimeOffset From,
    DateTimeOffset To,
    long Rows,
    DriftState State,
    double DriftShare,
    double DriftShareThreshold,
    IReadOnlyList<FeatureDrift> Features,
    FeatureDrift? Prediction);
