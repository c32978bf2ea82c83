using MlopsGateway.Monitoring.Baselines;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Tests.Cli;

/// <summary>
/// A baseline of the sample <c>propensity</c> model made by the real <see cref="BaselineBuilder"/> from
/// seeded rows shaped as its features are: a count, a skewed duration, a small count, a normal
/// amount and a categorical code, so draws are tried on discrete, skewed and categorical columns.
/// </summary>
internal static class PropensityBaseline
{
    public const int Rows = 20_000;

    public static BaselineProfile Build(string version = "1", string model = SampleModels.Propensity, Func<float[], int>? classify = null)
    {
        var random = new Random(7);
        var rows = new List<float[]>(Rows);
        for (var r = 0; r < Rows; r++)
        {
            var u = random.NextDouble();
            rows.Add(
            [
                (float)Math.Floor(-Math.Log(1 - random.NextDouble()) * 4),
                (float)Math.Exp(2 + (0.5 * Normal(random))),
                random.Next(6),
                (float)(30 + (10 * Normal(random))),
                u < 0.5 ? 0 : u < 0.8 ? 1 : 2,
            ]);
        }
        var spec = new BaselineSpec(model, version, "features", "training:propensity.csv", SampleModels.PropensityFeatures)
        {
            Categorical = ["email_opens_30d"],
            Seed = 3,
        };
        var predictions = classify is null ? null : BaselinePredictions.Classes([.. rows.Select(classify)], SampleModels.PropensityClasses);
        return BaselineBuilder.Build(spec, rows, predictions);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
