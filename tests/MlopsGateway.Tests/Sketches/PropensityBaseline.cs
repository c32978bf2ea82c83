using MlopsGateway.Registry.Baselines;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Tests.Sketches;

/// <summary>A hand-made baseline of the sample <c>propensity</c> model and rows to send it.</summary>
internal static class PropensityBaseline
{
    public static BaselineProfile Profile(string version = "1")
    {
        double[][] edges = [[1, 3, 6], [5, 15, 30], [1, 2, 4], [7, 30, 90], [1, 4]];
        var features = SampleModels.PropensityFeatures
            .Select((name, i) => new FeatureProfile(name, FeatureKind.Numeric, edges[i], [], Enumerable.Repeat(25L, edges[i].Length + 1).ToArray(), 1, 1, 0, 100))
            .ToArray();
        var classes = SampleModels.PropensityClasses;
        var prediction = new FeatureProfile(BaselineProfile.PredictionName, FeatureKind.Categorical, [], classes, [60, 40, 0], 0, 0, 0, 0);
        return new BaselineProfile(SampleModels.Propensity, version, "features", 100, "test", DateTimeOffset.UtcNow, features, prediction, classes, []);
    }

    /// <summary>Seeded propensity rows (a NaN now and then in the last feature).</summary>
    public static List<float[]> Rows(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => new[]
        {
            random.Next(10), (float)(random.NextDouble() * 40), random.Next(6), random.Next(120), random.Next(15) == 0 ? float.NaN : random.Next(8),
        })];
    }
}
