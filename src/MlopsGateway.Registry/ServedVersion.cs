using System.Text.Json.Serialization;

namespace MlopsGateway.Registry;

/// <summary>One model version a worker serves.</summary>
/// <param name="Model">The model name.</param>
/// <param name="Version">The version, as the worker names it (its folder name).</param>
public sealed record ServedVersion(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("version")] string Version);
