using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Monitoring.Sketches;

/// <summary>
/// Finds the bin of one value of a feature (or of a regressor's prediction) by its baseline profile:
/// numbers by the count of edges at or below them, categorical codes by value with the last bin for
/// a code the baseline never saw. NaN has no bin; callers count it apart.
/// </summary>
internal sealed class FeatureBins
{
    // Up to this many edges a value is compared with all of them at once (two Vector256<float>).
    private const int VectorEdges = 16;

    private readonly double[] _edges;
    private readonly Vector256<float> _low;
    private readonly Vector256<float> _high;
    private readonly bool _vector;
    private readonly float[] _codes;
    private readonly int[] _codeBins;

    private FeatureBins(FeatureKind kind, double[] edges, float[] codes, int[] codeBins, int count)
    {
        Kind = kind;
        _edges = edges;
        _vector = Vector256.IsHardwareAccelerated && edges.Length is > 0 and <= VectorEdges;
        if (_vector)
        {
            // Each edge rounded up to a float: for a float value x, x >= edge exactly when x >= that
            // float, so the compare stays exact. NaN pads the rest: NaN <= x is never true.
            var up = new float[VectorEdges];
            Array.Fill(up, float.NaN);
            for (var i = 0; i < edges.Length; i++)
            {
                var f = (float)edges[i];
                up[i] = f < edges[i] ? MathF.BitIncrement(f) : f;
            }
            _low = Vector256.Create(up.AsSpan(0, 8));
            _high = Vector256.Create(up.AsSpan(8, 8));
        }
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

    /// <summary>
    /// The number of edges at or below <paramref name="value"/>: up to 16 edges by comparing it with
    /// all of them at once and counting the matches (no chain of dependent loads), beyond that by
    /// <see cref="NumericBin(ReadOnlySpan{double}, double)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NumericBin(float value)
    {
        if (_vector)
        {
            var x = Vector256.Create(value);
            return BitOperations.PopCount(Vector256.LessThanOrEqual(_low, x).ExtractMostSignificantBits())
                + BitOperations.PopCount(Vector256.LessThanOrEqual(_high, x).ExtractMostSignificantBits());
        }
        return NumericBin(_edges, value);
    }

    /// <summary>
    /// The number of <paramref name="edges"/> (ascending) at or below <paramref name="value"/>, by a
    /// branch-free halving search: the one numeric bin lookup, used by the sketches and by
    /// <see cref="Baselines.BaselineBuilder"/> when it counts a baseline.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int NumericBin(ReadOnlySpan<double> edges, double value)
    {
        var n = edges.Length;
        if (n == 0)
        {
            return 0;
        }
        ref var first = ref MemoryMarshal.GetReference(edges);
        var lo = 0;
        while (n > 1)
        {
            var half = n >> 1;
            lo = Unsafe.Add(ref first, lo + half) <= value ? lo + half : lo;
            n -= half;
        }
        return lo + (Unsafe.Add(ref first, lo) <= value ? 1 : 0);
    }

    /// <summary>The bin of the category with code <paramref name="value"/>; the last bin when the baseline never saw it.</summary>
    public int CategoryBin(float value)
    {
        var at = Array.BinarySearch(_codes, value);
        return at >= 0 ? _codeBins[at] : Count - 1;
    }
}
