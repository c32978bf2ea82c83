using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Monitoring.Sketches;

/// <summary>
/// Finds the bin of one value of a feature (or of a regressor's prediction) by its baseline profile:
/// numbers by the count of edges at or below them, categorical codes by value with the last bin for
/// a code the baseline never saw. NaN has no bin; callers count it apart.
/// </summary>
internal sealed class FeatureBins
{
    private readonly double[] _edges;
    private readonly float[] _codes;
    private readonly int[] _codeBins;

    private FeatureBins(FeatureKind kind, double[] edges, float[] codes, int[] codeBins, int count)
    {
        Kind = kind;
        _edges = edges;
        _codes = codes;
        _codeBins = codeBins;
        Count = count;
    }

    /// <summary>How the feature is binned.</summary>
    public FeatureKind Kind { get; }

    /// <summary>How many bins there are (the profile's <see cref="FeatureProfile.BinCount"/>).</summary>
    public int Count { get; }

    /// <summary>The bins of <paramref name="profile"/>.</summary>
    /// <exception cref="ArgumentException">The profile's bins do not match its edges or categories, or its edges are not ascending.</exception>
    public static FeatureBins From(FeatureProfile profile)
    {
        if (profile.Kind == FeatureKind.Numeric)
        {
            var edges = profile.Edges.ToArray();
            for (var i = 0; i < edges.Length; i++)
            {
                if (!double.IsFinite(edges[i]) || (i > 0 && edges[i] < edges[i - 1]))
                {
                    throw new ArgumentException($"feature '{profile.Name}': its edges are not finite and ascending (edge {i} is {edges[i]}).", nameof(profile));
                }
            }
            if (profile.BinCount != edges.Length + 1)
            {
                throw new ArgumentException($"feature '{profile.Name}': {edges.Length} edges make {edges.Length + 1} bins, but it has {profile.BinCount} counts.", nameof(profile));
            }
            return new FeatureBins(FeatureKind.Numeric, edges, [], [], edges.Length + 1);
        }

        var categories = profile.Categories;
        if (profile.BinCount != categories.Count + 1)
        {
            throw new ArgumentException($"feature '{profile.Name}': {categories.Count} categories make {categories.Count + 1} bins, but it has {profile.BinCount} counts.", nameof(profile));
        }
        // A category that is not a number (a class name) can never equal a value, so only codes take part.
        var codes = new List<(float Code, int Bin)>(categories.Count);
        for (var i = 0; i < categories.Count; i++)
        {
            if (float.TryParse(categories[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var code) && !float.IsNaN(code)
                && !codes.Exists(c => c.Code == code))
            {
                codes.Add((code, i));
            }
        }
        codes.Sort((a, b) => a.Code.CompareTo(b.Code));
        return new FeatureBins(FeatureKind.Categorical, [], [.. codes.Select(c => c.Code)], [.. codes.Select(c => c.Bin)], categories.Count + 1);
    }

    /// <summary>The bin of <paramref name="value"/>, which is not NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int BinOf(float value) => Kind == FeatureKind.Numeric ? NumericBin(value) : CategoryBin(value);

    /// <summary>The number of edges at or below <paramref name="value"/> (branch-free halving search).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NumericBin(float value)
    {
        var n = _edges.Length;
        if (n == 0)
        {
            return 0;
        }
        double x = value;
        ref var first = ref MemoryMarshal.GetArrayDataReference(_edges);
        var lo = 0;
        while (n > 1)
        {
            var half = n >> 1;
            lo = Unsafe.Add(ref first, lo + half) <= x ? lo + half : lo;
            n -= half;
        }
        return lo + (Unsafe.Add(ref first, lo) <= x ? 1 : 0);
    }

    /// <summary>The bin of the category with code <paramref name="value"/>; the last bin when the baseline never saw it.</summary>
    public int CategoryBin(float value)
    {
        var at = Array.BinarySearch(_codes, value);
        return at >= 0 ? _codeBins[at] : Count - 1;
    }
}
