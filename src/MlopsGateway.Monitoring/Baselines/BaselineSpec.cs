namespace MlopsGateway.Monitoring.Baselines;

/// <summary>What a baseline is of and how its bins are made; the rows come with it to <see cref="BaselineBuilder"/>.</summary>
/// <param name="Model">The model name.</param>
/// <param name="Version">The version it belongs to.</param>
/// <param name="Input">The model's <c>[rows, features]</c> input the rows are columns of.</param>
/// <param name="Source">Where the rows came from: <c>training:FILE</c>, <c>traffic</c> or <c>sample</c>.</param>
/// <param name="Features">The feature names, one per column, in column order.</param>
public sealed record BaselineSpec(string Model, string Version, string Input, string Source, IReadOnlyList<string> Features)
{
    /// <summary>The quantile bins of a numeric feature when its values are all distinct.</summary>
    public const int DefaultBins = 10;

    /// <summary>The most categories one feature keeps when none is given.</summary>
    public const int DefaultMaxCategories = 50;

    /// <summary>The features (by name) whose values are category codes rather than amounts.</summary>
    public IReadOnlyCollection<string> Categorical { get; init; } = [];

    /// <summary>
    /// Quantile bins per numeric feature (and a regressor's prediction), at least 2. A discrete feature
    /// gets fewer: repeated edges are collapsed, so that no bin is empty in the baseline.
    /// </summary>
    public int Bins { get; init; } = DefaultBins;

    /// <summary>The most categories a categorical feature keeps (the most frequent); rarer codes count in its other bin.</summary>
    public int MaxCategories { get; init; } = DefaultMaxCategories;

    /// <summary>The seed of the sample's reservoir, so that the same rows give the same profile.</summary>
    public int Seed { get; init; }

    /// <summary>When the profile is made; null for now.</summary>
    public DateTimeOffset? CreatedAt { get; init; }
}
