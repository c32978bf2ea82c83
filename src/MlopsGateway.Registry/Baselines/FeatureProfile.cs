using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Baselines;

/// <summary>
/// The baseline distribution of one input feature (one column of a <c>[rows, features]</c> input) or
/// of the prediction, as bins that live traffic is counted into.
/// </summary>
/// <remarks>
/// Bins, for both kinds: <see cref="Counts"/> has one entry per bin.
/// <list type="bullet">
/// <item>Numeric: <see cref="Edges"/> are k-1 ascending interior edges making k bins; a value x falls in
/// bin <c>i</c> = the number of edges ≤ x (so bin 0 is everything below the first edge and bin k-1
/// everything at or above the last). <c>Counts.Length == Edges.Length + 1</c>.</item>
/// <item>Categorical: <see cref="Categories"/> names the categories the baseline saw; bin i is
/// category i and the last bin holds every other value. <c>Counts.Length == Categories.Length + 1</c>.
/// For an input feature a category is a numeric code written as an invariant-culture number
/// (<c>"3"</c>); for a classifier's prediction bin i is class index i and the category is the class name.</item>
/// </list>
/// NaN values are in no bin; a sketch counts them apart.
/// </remarks>
/// <param name="Name">The feature's name (<c>feature_names</c> from the model's config, else <c>features[0]</c>, ...), or <c>prediction</c>.</param>
/// <param name="Kind">How it is binned.</param>
/// <param name="Edges">Numeric: the interior bin edges, ascending, finite; empty for categorical.</param>
/// <param name="Categories">Categorical: the categories; empty for numeric.</param>
/// <param name="Counts">Baseline rows per bin.</param>
/// <param name="Mean">Mean of the baseline's values (numeric; for categorical, of the codes where they are numbers, else 0).</param>
/// <param name="StdDev">Standard deviation of the baseline's values (sample), as <see cref="Mean"/>.</param>
/// <param name="Min">Smallest baseline value (numeric), else 0.</param>
/// <param name="Max">Largest baseline value (numeric), else 0.</param>
public sealed record FeatureProfile(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("kind")] FeatureKind Kind,
    [property: JsonPropertyName("edges")] IReadOnlyList<double> Edges,
    [property: JsonPropertyName("categories")] IReadOnlyList<string> Categories,
    [property: JsonPropertyName("counts")] IReadOnlyList<long> Counts,
    [property: JsonPropertyName("mean")] double Mean,
    [property: JsonPropertyName("std_dev")] double StdDev,
    [property: JsonPropertyName("min")] double Min,
    [property: JsonPropertyName("max")] double Max)
{
    /// <summary>How many bins live counts of this feature have.</summary>
    [JsonIgnore]
    public int BinCount => Counts.Count;
}
