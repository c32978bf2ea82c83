using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Tests.Sketches;

/// <summary>Baseline profiles written out by hand, with bins whose edges the tests know.</summary>
internal static class TestBaselines
{
    public static FeatureProfile Numeric(string name, params double[] edges) =>
        new(name, FeatureKind.Numeric, edges, [], new long[edges.Length + 1], 0, 1, 0, 1);

    public static FeatureProfile Categorical(string name, params string[] categories) =>
        new(name, FeatureKind.Categorical, [], categories, new long[categories.Length + 1], 0, 1, 0, 0);

    /// <summary>
    /// Three features: <c>x</c> numeric with edges 1, 2, 3; <c>kind</c> categorical with codes 0, 3, 7;
    /// <c>y</c> numeric with edges -1, 0, 1; and a two-class prediction.
    /// </summary>
    public static BaselineProfile Classifier(string model = "m", string version = "1") => new(
        model, version, "features", 100, "test", DateTimeOffset.UnixEpoch,
        [Numeric("x", 1, 2, 3), Categorical("kind", "0", "3", "7"), Numeric("y", -1, 0, 1)],
        Categorical(BaselineProfile.PredictionName, "no", "yes"), ["no", "yes"], []);

    /// <summary>One feature with edges 0.25, 0.5, 0.75, and a regressor's prediction binned at 10 and 20.</summary>
    public static BaselineProfile Regressor(string model = "r", string version = "1") => new(
        model, version, "features", 100, "test", DateTimeOffset.UnixEpoch,
        [Numeric("u", 0.25, 0.5, 0.75)], Numeric(BaselineProfile.PredictionName, 10, 20), [], []);

    /// <summary>Asserts that two windows hold the same counts, bin by bin.</summary>
    public static void AssertSameCounts(WindowCounts expected, WindowCounts actual)
    {
        Assert.Equal(expected.Rows, actual.Rows);
        Assert.Equal(expected.Features.Count, actual.Features.Count);
        for (var f = 0; f < expected.Features.Count; f++)
        {
            Assert.Equal(expected.Features[f], actual.Features[f]);
        }
        Assert.Equal(expected.Missing, actual.Missing);
        Assert.Equal(expected.Prediction, actual.Prediction);
    }

    /// <summary><paramref name="rows"/> seeded rows for <see cref="Classifier"/>, with a NaN now and then and codes the baseline never saw.</summary>
    public static float[] ClassifierRows(int rows, int seed)
    {
        var random = new Random(seed);
        var values = new float[rows * 3];
        for (var r = 0; r < rows; r++)
        {
            values[r * 3] = random.Next(20) == 0 ? float.NaN : (float)(random.NextDouble() * 5);
            values[(r * 3) + 1] = random.Next(10);
            values[(r * 3) + 2] = (float)((random.NextDouble() * 4) - 2);
        }
        return values;
    }

    /// <summary>Seeded class indices for <paramref name="rows"/> rows, 0 or 1 and now and then 5 (no class).</summary>
    public static long[] Labels(int rows, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, rows).Select(_ => random.Next(9) == 0 ? 5L : random.Next(2))];
    }
}
