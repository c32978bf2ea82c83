using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;
using MlopsGateway.Monitoring.Baselines;
using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Tests.Monitoring.Drift;

/// <summary>
/// Seeded rows of six differently shaped features (symmetric, heavy-tailed, skewed, discrete with
/// ties, bounded, categorical), their baseline from <see cref="BaselineBuilder"/>, and live rows
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

    /// <summary>The baseline of <paramref name="rows"/>, made as <c>models push --baseline</c> makes it.</summary>
    public static BaselineProfile Profile(float[][] rows) =>
        BaselineBuilder.Build(
            new BaselineSpec("shaped", "1", "features", "sample", Names) { Categorical = [Names[Region]], Seed = 1, CreatedAt = DateTimeOffset.UnixEpoch },
            rows);

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

    private static int Bin(FeatureProfile profile, float value)
    {
        if (profile.Kind == FeatureKind.Numeric)
        {
            return BaselineBuilder.NumericBin(profile.Edges, value);
        }
        var code = BaselineBuilder.CategoryName(value);
        var index = 0;
        while (index < profile.Categories.Count && profile.Categories[index] != code)
        {
            index++;
        }
        return index;
    }
}
