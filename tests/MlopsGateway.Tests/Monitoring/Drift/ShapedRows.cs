using System.Globalization;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;
using MathNet.Numerics.Statistics;
using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Tests.Monitoring.Drift;

/// <summary>
/// Seeded rows of six differently shaped features (symmetric, heavy-tailed, skewed, discrete with
/// ties, bounded, categorical), a baseline profile made from them by quantile bins, and live rows
/// counted into its bins as a worker's sketch would.
/// </summary>
internal static class ShapedRows
{
    public static readonly string[] Names = ["age", "income", "wait_s", "visits_30d", "ratio", "region"];

    public const int Region = 5;

    public const int NumericFeatures = 5;

    private static readonly double[] s_regionShares = [0.4, 0.25, 0.2, 0.1, 0.05];

    public static float[][] Draw(int rows, int seed)
    {
        var random = new Xoshiro256StarStar(seed);
        var age = new Normal(40, 12, random);
        var income = new LogNormal(10, 0.6, random);
        var wait = new Exponential(0.2, random);
        var visits = new Poisson(3, random);
        var ratio = new Beta(2, 5, random);
        var region = new Categorical(s_regionShares, random);
        var drawn = new float[rows][];
        for (var r = 0; r < rows; r++)
        {
            drawn[r] =
            [
                (float)age.Sample(), (float)income.Sample(), (float)wait.Sample(),
                visits.Sample(), (float)ratio.Sample(), region.Sample(),
            ];
        }
        return drawn;
    }

    /// <summary>Adds <paramref name="by"/> to one feature of every row.</summary>
    public static float[][] Shift(float[][] rows, int feature, double by)
    {
        foreach (var row in rows)
        {
            row[feature] = (float)(row[feature] + by);
        }
        return rows;
    }

    /// <summary>A baseline of <paramref name="rows"/>: ten quantile bins per number (ties merged), one bin per category plus "other".</summary>
    public static BaselineProfile Profile(float[][] rows)
    {
        var features = new FeatureProfile[Names.Length];
        for (var f = 0; f < Names.Length; f++)
        {
            var values = rows.Select(r => (double)r[f]).Where(v => !double.IsNaN(v)).ToArray();
            Array.Sort(values);
            var (mean, sd) = values.MeanStandardDeviation();
            if (f == Region)
            {
                var categories = values.Distinct().Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray();
                var counts = new long[categories.Length + 1];
                var profile = new FeatureProfile(Names[f], FeatureKind.Categorical, [], categories, counts, mean, sd, 0, 0);
                foreach (var v in values)
                {
                    counts[Bin(profile, v)]++;
                }
                features[f] = profile;
            }
            else
            {
                var edges = Enumerable.Range(1, 9)
                    .Select(i => SortedArrayStatistics.Quantile(values, i / 10.0))
                    .Distinct()
                    .ToArray();
                var counts = new long[edges.Length + 1];
                var profile = new FeatureProfile(Names[f], FeatureKind.Numeric, edges, [], counts, mean, sd, values[0], values[^1]);
                foreach (var v in values)
                {
                    counts[Bin(profile, v)]++;
                }
                features[f] = profile;
            }
        }
        return new BaselineProfile(
            "shaped", "1", "features", rows.Length, "sample", DateTimeOffset.UnixEpoch, features, null, [], []);
    }

    /// <summary>Counts <paramref name="rows"/> into the profile's bins, as the worker's sketch does.</summary>
    public static WindowCounts Count(BaselineProfile profile, float[][] rows)
    {
        var features = profile.Features.Select(f => new long[f.BinCount]).ToArray();
        var missing = new long[profile.Features.Count];
        foreach (var row in rows)
        {
            for (var f = 0; f < features.Length; f++)
            {
                if (float.IsNaN(row[f]))
                {
                    missing[f]++;
                }
                else
                {
                    features[f][Bin(profile.Features[f], row[f])]++;
                }
            }
        }
        return new WindowCounts(
            profile.Model, profile.Version, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddMinutes(5),
            rows.Length, features, missing, null);
    }

    private static int Bin(FeatureProfile profile, double value)
    {
        if (profile.Kind == FeatureKind.Categorical)
        {
            var code = value.ToString(CultureInfo.InvariantCulture);
            for (var i = 0; i < profile.Categories.Count; i++)
            {
                if (profile.Categories[i] == code)
                {
                    return i;
                }
            }
            return profile.Categories.Count;
        }
        var bin = 0;
        while (bin < profile.Edges.Count && profile.Edges[bin] <= value)
        {
            bin++;
        }
        return bin;
    }
}
