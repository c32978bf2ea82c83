using System.Globalization;
using System.Text;
using MathNet.Numerics.Distributions;
using DataType = Onnx.TensorProto.Types.DataType;

namespace MlopsGateway.Worker.Models;

/// <summary>
/// The sample models <c>mlops up</c> writes into an empty repository, so that a fresh machine has
/// something real to serve.
/// </summary>
public static class SampleModels
{
    /// <summary>Name of the propensity-to-buy classifier.</summary>
    public const string Propensity = "propensity";

    /// <summary>The propensity model's input features, in column order.</summary>
    public static IReadOnlyList<string> PropensityFeatures { get; } =
        ["visits_30d", "minutes_on_site", "cart_items", "days_since_purchase", "email_opens_30d"];

    /// <summary>The propensity model's classes, in output column order.</summary>
    public static IReadOnlyList<string> PropensityClasses { get; } = ["no_purchase", "purchase"];

    /// <summary>The file beside a sample model's versions holding the rows it was trained on (CSV, a header of feature names).</summary>
    public const string TrainingFileName = "training.csv";

    /// <summary>How many rows <see cref="PropensityTraining"/> makes by default.</summary>
    public const int PropensityTrainingRows = 5000;

    /// <summary>
    /// Writes the sample models into <paramref name="repository"/> unless it already holds a model;
    /// returns whether it wrote them.
    /// </summary>
    public static bool WriteIfEmpty(string repository)
    {
        Directory.CreateDirectory(repository);
        if (Directory.EnumerateFiles(repository, ModelRepository.ModelFileName, SearchOption.AllDirectories).Any())
        {
            return false;
        }
        WritePropensity(repository);
        return true;
    }

    /// <summary>
    /// Writes <c>propensity</c> versions 1 and 2: a logistic classifier over five numeric features
    /// (<c>features</c>, FP32 [batch, 5]) giving class probabilities (<c>probabilities</c>, FP32
    /// [batch, 2]) and the most likely class (<c>label</c>, INT64 [batch]). Version 2 has retrained
    /// weights, so the two versions answer differently for the same input. Beside them,
    /// <see cref="TrainingFileName"/> holds the rows they were made from (<see cref="PropensityTraining"/>).
    /// </summary>
    public static void WritePropensity(string repository)
    {
        WritePropensityTraining(Path.Combine(repository, Propensity));
        // Per-feature weights for the "purchase" logit; "no_purchase" is their negation, so the
        // probabilities are a two-class softmax. Version 2 leans more on cart contents and recency.
        float[] v1 = [0.08f, 0.02f, 0.60f, -0.03f, 0.10f];
        float[] v2 = [0.05f, 0.01f, 0.90f, -0.06f, 0.04f];
        WritePropensityVersion(repository, "1", v1, bias: -1.5f);
        WritePropensityVersion(repository, "2", v2, bias: -1.2f);
    }

    internal static void WritePropensityVersion(string repository, string version, float[] purchase, float bias)
    {
        var features = PropensityFeatures.Count;
        var weights = new float[features * 2];
        for (var i = 0; i < features; i++)
        {
            weights[i * 2] = -purchase[i];
            weights[(i * 2) + 1] = purchase[i];
        }
        var folder = Path.Combine(repository, Propensity, version);
        new OnnxModelBuilder($"propensity_v{version}", "Propensity to buy: probability that a visitor purchases within 7 days.")
            .Input("features", DataType.Float, "batch", features)
            .Initializer("weights", [features, 2], weights)
            .Initializer("bias", [2], [-bias, bias])
            .Node("MatMul", ["features", "weights"], ["logits_raw"])
            .Node("Add", ["logits_raw", "bias"], ["logits"])
            .Node("Softmax", ["logits"], ["probabilities"], OnnxModelBuilder.Int("axis", 1))
            .Node("ArgMax", ["probabilities"], ["label"], OnnxModelBuilder.Int("axis", 1), OnnxModelBuilder.Int("keepdims", 0))
            .Output("probabilities", DataType.Float, "batch", 2)
            .Output("label", DataType.Int64, "batch")
            .Save(Path.Combine(folder, ModelRepository.ModelFileName));
        new ModelConfig
        {
            Description = $"Propensity to buy v{version}. features: {string.Join(", ", PropensityFeatures)}.",
            Labels = PropensityClasses,
            FeatureNames = PropensityFeatures,
            // Five features: one thread does a run in microseconds; a second would only wake and spin.
            IntraOpThreads = 1,
        }.Save(Path.Combine(folder, ModelConfig.FileName));
    }

    /// <summary>Writes <see cref="PropensityTraining"/>'s rows as <see cref="TrainingFileName"/> into <paramref name="folder"/>, with a header of <see cref="PropensityFeatures"/>; returns its path.</summary>
    public static string WritePropensityTraining(string folder)
    {
        Directory.CreateDirectory(folder);
        var text = new StringBuilder(string.Join(',', PropensityFeatures)).Append('\n');
        foreach (var row in PropensityTraining())
        {
            text.AppendJoin(',', row.Select(v => v.ToString(CultureInfo.InvariantCulture))).Append('\n');
        }
        var path = Path.Combine(folder, TrainingFileName);
        File.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>
    /// Visitors like those <c>propensity</c> was trained on, seeded (the same rows every time): one row per
    /// visitor, <see cref="PropensityFeatures"/> in order. An engagement level per visitor drives them all,
    /// so they rise together as real ones do: visits in 30 days a count around 7, minutes on site
    /// log-normal (median about 7, a long tail), cart items mostly 0 to 2, days since the last purchase
    /// exponential (median about 20, capped at a year), email opens a count around 3. On these rows the two
    /// versions disagree on the class for a share that a rollout notices (about 8%), unlike uniform [0, 1) noise.
    /// </summary>
    public static IReadOnlyList<float[]> PropensityTraining(int rows = PropensityTrainingRows, int seed = 23)
    {
        var random = new Random(seed);
        var result = new float[rows][];
        for (var i = 0; i < rows; i++)
        {
            var engagement = Normal.Sample(random, 0, 1);
            result[i] =
            [
                Poisson.Sample(random, Math.Exp(1.8 + (0.5 * engagement))),
                (float)Math.Round(LogNormal.Sample(random, 2.0 + (0.4 * engagement), 0.8), 1),
                Poisson.Sample(random, 0.8 * Math.Exp(0.6 * engagement)),
                (float)Math.Min(365, Math.Floor(Exponential.Sample(random, 1 / (30 * Math.Exp(-0.4 * engagement))))),
                Poisson.Sample(random, 3 * Math.Exp(0.4 * engagement)),
            ];
        }
        return result;
    }
}
