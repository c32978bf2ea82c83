using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Drift;

/// <summary>What a worker captured a version's rows from: the input they are columns of, and what its predictions are.</summary>
/// <param name="Input">The model's <c>[rows, features]</c> FP32 input.</param>
/// <param name="Features">Columns each row has.</param>
/// <param name="Prediction"><see cref="ClassPrediction"/>, <see cref="ValuePrediction"/>, or <see cref="NoPrediction"/>.</param>
/// <param name="Classes">A classifier's class names in output order (the model config's <c>labels</c>); empty when it has none.</param>
public sealed record CaptureSource(
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("features")] int Features,
    [property: JsonPropertyName("prediction")] string Prediction,
    [property: JsonPropertyName("classes")] IReadOnlyList<string> Classes)
{
    /// <summary>Each row's prediction is a class index.</summary>
    public const string ClassPrediction = "class";

    /// <summary>Each row's prediction is a regressor's value.</summary>
    public const string ValuePrediction = "value";

    /// <summary>No output gave a prediction.</summary>
    public const string NoPrediction = "none";
}
