namespace MlopsGateway.Registry.Baselines;

/// <summary>
/// Live rows of one model version counted into its baseline's bins over a span of time, merged
/// across every worker that served it: what drift is scored on. Counts add: two windows over
/// disjoint rows merge by adding bin by bin.
/// </summary>
/// <param name="Model">The model name.</param>
/// <param name="Version">The version.</param>
/// <param name="From">Start of the span (inclusive).</param>
/// <param name="To">End of the span (exclusive).</param>
/// <param name="Rows">Rows counted.</param>
/// <param name="Features">Per feature, in the baseline's order, the rows per bin (<see cref="FeatureProfile.BinCount"/> entries each).</param>
/// <param name="Missing">Per feature, the rows whose value was NaN (in no bin).</param>
/// <param name="Prediction">Rows per bin of the baseline's prediction profile; null when it has none.</param>
public sealed record WindowCounts(
    string Model,
    string Version,
    DateTimeOffset From,
    DateTimeOffset To,
    long Rows,
    IReadOnlyList<long[]> Features,
    IReadOnlyList<long> Missing,
    long[]? Prediction);
