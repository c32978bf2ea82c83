using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Monitoring.Drift;

/// <summary>How one input feature (or the prediction) of a window compares with its baseline.</summary>
/// <param name="Name">The feature's name, or <c>prediction</c>.</param>
/// <param name="Kind">How it is binned.</param>
/// <param name="Rows">The window's rows with a value (NaN rows are not among them).</param>
/// <param name="Missing">The window's rows whose value was NaN.</param>
/// <param name="Primary">The method the state comes from: Kolmogorov-Smirnov for numbers, chi-square for categories.</param>
/// <param name="State">Ok or drift by <paramref name="Primary"/>; insufficient below <see cref="DriftOptions.MinRows"/> rows.</param>
/// <param name="Scores">Every method's score and threshold; the primary one first.</param>
public sealed record FeatureDrift(
    string Name,
    FeatureKind Kind,
    long Rows,
    long Missing,
    DriftMethod Primary,
    DriftState State,
    IReadOnlyList<DriftScore> Scores)
{
    /// <summary>The primary method's score and threshold.</summary>
    public DriftScore PrimaryScore => Scores[0];
}
