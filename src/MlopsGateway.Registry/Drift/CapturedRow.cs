using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Drift;

/// <summary>One live row a worker captured: the input's features, and what the model predicted for it.</summary>
/// <param name="Features">One value per column of the input (NaN kept).</param>
/// <param name="Prediction">The class index (classifier) or the value (regressor); null when the model gave neither.</param>
public sealed record CapturedRow(
    [property: JsonPropertyName("features"), JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)] IReadOnlyList<float> Features,
    [property: JsonPropertyName("prediction"), JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)] double? Prediction);
