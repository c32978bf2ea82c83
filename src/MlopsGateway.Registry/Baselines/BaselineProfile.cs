using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Baselines;

/// <summary>
/// What a model version's inputs and predictions looked like in its training data (or in its first
/// rows of traffic): the reference that drift is measured against. Stored with the version
/// (<c>{ns}:model:M:baseline:V</c>), immutable, replaced whole.
/// </summary>
/// <param name="Model">The model name.</param>
/// <param name="Version">The version it belongs to.</param>
/// <param name="Input">The name of the model's <c>[rows, features]</c> input whose columns are <see cref="Features"/>.</param>
/// <param name="Rows">How many rows it was made from.</param>
/// <param name="Source">Where the rows came from: <c>training:FILE</c> (at push), <c>traffic</c> (captured), or <c>sample</c>.</param>
/// <param name="CreatedAt">When it was made.</param>
/// <param name="Features">One profile per column of <see cref="Input"/>, in column order.</param>
/// <param name="Prediction">
/// The prediction's distribution (class shares for a classifier, output quantiles for a regressor),
/// named <c>prediction</c>; null when the model could not be run over the rows.
/// </param>
/// <param name="Classes">A classifier's class names in output order; empty for a regressor.</param>
/// <param name="Sample">
/// Up to <see cref="MaxSampleRows"/> rows drawn uniformly from the baseline's rows, each with one
/// value per feature: what the load tool draws realistic traffic from and explanations use as background.
/// </param>
/// <param name="SamplePrediction">
/// The bin of <see cref="Prediction"/> each <see cref="Sample"/> row's prediction fell in (a
/// classifier's class index), in the sample's order; null when the rows were not predicted, or for a
/// baseline made before it was kept. The load tool matches the prediction's shares with it, as the features'.
/// </param>
public sealed record BaselineProfile(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("rows")] long Rows,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("features")] IReadOnlyList<FeatureProfile> Features,
    [property: JsonPropertyName("prediction")] FeatureProfile? Prediction,
    [property: JsonPropertyName("classes")] IReadOnlyList<string> Classes,
    [property: JsonPropertyName("sample")] IReadOnlyList<IReadOnlyList<float>> Sample,
    [property: JsonPropertyName("sample_prediction")] IReadOnlyList<int>? SamplePrediction = null)
{
    /// <summary>The most rows <see cref="Sample"/> keeps.</summary>
    public const int MaxSampleRows = 1000;

    /// <summary>The name the prediction's profile carries.</summary>
    public const string PredictionName = "prediction";
}
