using System.Globalization;
using System.Runtime.InteropServices;
using MathNet.Numerics.Statistics;
using MlopsGateway.Monitoring.Sketches;
using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Monitoring.Baselines;

/// <summary>
/// Makes a <see cref="BaselineProfile"/> from rows of a model's <c>[rows, features]</c> input (its
/// training data, or its first rows of traffic) and, when given, what the model predicted for them.
/// Pure and DI-free: the same rows, spec and seed give the same profile.
/// </summary>
/// <remarks>
/// A numeric feature's edges are its empirical quantiles at <c>i / Bins</c> (MathNet's inverse-CDF
/// definition, so every edge is a value of the data); a value x falls in the bin of the number of edges
/// ≤ x. Repeated edges, and an edge at the minimum, are dropped, so a discrete feature (counts, small
/// integers) gets fewer bins and none is empty: each edge is a value, and lies in its own bin. A
/// categorical feature counts each code it saw (the most frequent <see cref="BaselineSpec.MaxCategories"/>,
/// ordered by value), and its last bin the rest.
/// </remarks>
public static class BaselineBuilder
{
    /// <summary>The profile of <paramref name="rows"/> (one array per row, a value per feature).</summary>
    /// <exception cref="ArgumentException">No rows, a row not as wide as the features, a value that is not finite, repeated feature names, an unknown categorical name, or predictions that do not match the rows; the message says which.</exception>
    public static BaselineProfile Build(BaselineSpec spec, IReadOnlyList<float[]> rows, BaselinePredictions? predictions = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(rows);
        Check(spec, rows, predictions);
        var features = new FeatureProfile[spec.Features.Count];
        var column = new double[rows.Count];
        for (var f = 0; f < features.Length; f++)
        {
            for (var r = 0; r < rows.Count; r++)
            {
                column[r] = rows[r][f];
            }
            features[f] = spec.Categorical.Contains(spec.Features[f])
                ? Categorical(spec.Features[f], column, spec.MaxCategories)
                : Numeric(spec.Features[f], column, spec.Bins);
        }
        var prediction = Prediction(predictions, spec.Bins);
        var kept = Reservoir(rows.Count, spec.Seed);
        return new BaselineProfile(
            spec.Model, spec.Version, spec.Input, rows.Count, spec.Source, spec.CreatedAt ?? DateTimeOffset.UtcNow,
            features, prediction, predictions?.ClassNames ?? [], [.. kept.Select(i => (IReadOnlyList<float>)(float[])rows[i].Clone())],
            predictions is null ? null : [.. kept.Select(i => PredictionBin(predictions, prediction!, i))]);
    }

    /// <summary>The bin of <paramref name="prediction"/> that row <paramref name="row"/>'s prediction falls in.</summary>
    private static int PredictionBin(BaselinePredictions predictions, FeatureProfile prediction, int row) =>
        predictions.ClassIndices is { } classes ? classes[row] : NumericBin(prediction.Edges, predictions.Values![row]);

    /// <summary>The profile of <paramref name="rows"/>, a <c>[rows, features]</c> array.</summary>
    /// <exception cref="ArgumentException">As <see cref="Build(BaselineSpec, IReadOnlyList{float[]}, BaselinePredictions?)"/>.</exception>
    public static BaselineProfile Build(BaselineSpec spec, float[,] rows, BaselinePredictions? predictions = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = new float[rows.GetLength(0)][];
        for (var r = 0; r < list.Length; r++)
        {
            list[r] = new float[rows.GetLength(1)];
            for (var f = 0; f < list[r].Length; f++)
            {
                list[r][f] = rows[r, f];
            }
        }
        return Build(spec, list, predictions);
    }

    /// <summary>The bin of a numeric <paramref name="value"/>: how many of <paramref name="edges"/> are at most it (<see cref="Sketches.FeatureBins"/>'s lookup).</summary>
    public static int NumericBin(IReadOnlyList<double> edges, double value) => edges switch
    {
        double[] array => FeatureBins.NumericBin(array, value),
        List<double> list => FeatureBins.NumericBin(CollectionsMarshal.AsSpan(list), value),
        _ => FeatureBins.NumericBin(edges.ToArray(), value),
    };

    /// <summary>How a category code is written in <see cref="FeatureProfile.Categories"/>: the shortest invariant-culture text of the float.</summary>
    public static string CategoryName(float code) => code.ToString(CultureInfo.InvariantCulture);

    private static void Check(BaselineSpec spec, IReadOnlyList<float[]> rows, BaselinePredictions? predictions)
    {
        if (spec.Features is null || spec.Features.Count == 0 || spec.Features.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("A baseline needs at least one feature, each with a name.", nameof(spec));
        }
        if (spec.Features.Distinct(StringComparer.Ordinal).Count() != spec.Features.Count)
        {
            throw new ArgumentException($"Feature names must be unique: {string.Join(", ", spec.Features)}.", nameof(spec));
        }
        if (spec.Categorical.FirstOrDefault(c => !spec.Features.Contains(c, StringComparer.Ordinal)) is { } unknown)
        {
            throw new ArgumentException($"Categorical feature '{unknown}' is not one of the features ({string.Join(", ", spec.Features)}).", nameof(spec));
        }
        if (spec.Bins < 2 || spec.MaxCategories < 1)
        {
            throw new ArgumentException($"Bins must be at least 2 (not {spec.Bins}) and max categories at least 1 (not {spec.MaxCategories}).", nameof(spec));
        }
        if (rows.Count == 0)
        {
            throw new ArgumentException("A baseline needs at least one row.", nameof(rows));
        }
        for (var r = 0; r < rows.Count; r++)
        {
            if (rows[r] is null || rows[r].Length != spec.Features.Count)
            {
                throw new ArgumentException($"Row {r + 1} has {rows[r]?.Length ?? 0} values; the features are {spec.Features.Count}.", nameof(rows));
            }
            for (var f = 0; f < rows[r].Length; f++)
            {
                if (!float.IsFinite(rows[r][f]))
                {
                    throw new ArgumentException($"Row {r + 1}, feature '{spec.Features[f]}': {rows[r][f]} is not a finite number.", nameof(rows));
                }
            }
        }
        if (predictions is null)
        {
            return;
        }
        if (predictions.Count != rows.Count)
        {
            throw new ArgumentException($"There are {predictions.Count} predictions for {rows.Count} rows.", nameof(predictions));
        }
        if (predictions.ClassIndices is { } classes)
        {
            if (predictions.ClassNames.Count == 0 || predictions.ClassNames.Any(string.IsNullOrEmpty) || predictions.ClassNames.Distinct(StringComparer.Ordinal).Count() != predictions.ClassNames.Count)
            {
                throw new ArgumentException("A classifier's predictions need its class names, each non-empty and unique.", nameof(predictions));
            }
            for (var r = 0; r < classes.Count; r++)
            {
                if (classes[r] < 0 || classes[r] >= predictions.ClassNames.Count)
                {
                    throw new ArgumentException($"Row {r + 1}'s predicted class {classes[r]} is not an index of the {predictions.ClassNames.Count} classes.", nameof(predictions));
                }
            }
            return;
        }
        for (var r = 0; r < predictions.Values!.Count; r++)
        {
            if (!double.IsFinite(predictions.Values[r]))
            {
                throw new ArgumentException($"Row {r + 1}'s predicted value {predictions.Values[r]} is not a finite number.", nameof(predictions));
            }
        }
    }

    private static FeatureProfile Numeric(string name, double[] values, int bins)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        var edges = new List<double>(bins - 1);
        for (var i = 1; i < bins; i++)
        {
            var edge = SortedArrayStatistics.QuantileCustom(sorted, i / (double)bins, QuantileDefinition.R1);
            // An edge at the minimum would leave bin 0 empty, and a repeated one an empty bin between the two.
            if (edge > sorted[0] && (edges.Count == 0 || edge > edges[^1]))
            {
                edges.Add(edge);
            }
        }
        var counts = new long[edges.Count + 1];
        var edgeArray = edges.ToArray();
        foreach (var value in sorted)
        {
            counts[FeatureBins.NumericBin(edgeArray, value)]++;
        }
        var (mean, sd) = MeanAndDeviation(values);
        return new FeatureProfile(name, FeatureKind.Numeric, edges, [], counts, mean, sd, sorted[0], sorted[^1]);
    }

    private static FeatureProfile Categorical(string name, double[] values, int maxCategories)
    {
        var frequencies = new Dictionary<float, long>();
        foreach (var value in values)
        {
            frequencies[(float)value] = frequencies.GetValueOrDefault((float)value) + 1;
        }
        var kept = frequencies.OrderByDescending(p => p.Value).ThenBy(p => p.Key).Take(maxCategories).OrderBy(p => p.Key).ToList();
        long[] counts = [.. kept.Select(p => p.Value), values.Length - kept.Sum(p => p.Value)];
        var (mean, sd) = MeanAndDeviation(values);
        return new FeatureProfile(name, FeatureKind.Categorical, [], [.. kept.Select(p => CategoryName(p.Key))], counts, mean, sd, 0, 0);
    }

    private static FeatureProfile? Prediction(BaselinePredictions? predictions, int bins)
    {
        if (predictions is null)
        {
            return null;
        }
        if (predictions.ClassIndices is { } classes)
        {
            var counts = new long[predictions.ClassNames.Count + 1];
            foreach (var index in classes)
            {
                counts[index]++;
            }
            return new FeatureProfile(BaselineProfile.PredictionName, FeatureKind.Categorical, [], predictions.ClassNames, counts, 0, 0, 0, 0);
        }
        return Numeric(BaselineProfile.PredictionName, [.. predictions.Values!], bins);
    }

    private static (double Mean, double StdDev) MeanAndDeviation(double[] values)
    {
        var (mean, variance) = values.MeanVariance();
        // One row has no sample variance; its spread is taken as none.
        return (mean, values.Length > 1 ? Math.Sqrt(variance) : 0);
    }

    /// <summary>Algorithm R over <paramref name="rows"/> row indexes: every row is equally likely to be kept, in one pass, seeded.</summary>
    private static List<int> Reservoir(int rows, int seed)
    {
        var random = new Random(seed);
        var sample = new List<int>(Math.Min(rows, BaselineProfile.MaxSampleRows));
        for (var i = 0; i < rows; i++)
        {
            if (sample.Count < BaselineProfile.MaxSampleRows)
            {
                sample.Add(i);
            }
            else if (random.Next(i + 1) is var j && j < BaselineProfile.MaxSampleRows)
            {
                sample[j] = i;
            }
        }
        return sample;
    }
}
