using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Feedback;

/// <summary>
/// What a version predicts, as the worker that recorded its predictions saw it: what its labels
/// are checked against when the version has no baseline.
/// </summary>
/// <param name="Model">The model name.</param>
/// <param name="Version">The version.</param>
/// <param name="Classes">A classifier's class names in output order (the config's <c>labels</c>, else <c>0</c>, <c>1</c>, ... when the width of its probabilities is known); empty for a regressor, or a classifier whose classes are not known.</param>
/// <param name="Regressor">Whether it predicts a value rather than a class.</param>
public sealed record PredictionSchema(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("classes")] IReadOnlyList<string> Classes,
    [property: JsonPropertyName("regressor")] bool Regressor);
