using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Drift;

/// <summary>
/// A request that the workers serving <see cref="Model"/> <see cref="Version"/> keep copies of its
/// live rows until <see cref="Rows"/> are stored, for a baseline made from traffic.
/// </summary>
/// <param name="Model">The model name.</param>
/// <param name="Version">The version whose traffic is captured.</param>
/// <param name="Rows">How many rows to capture.</param>
/// <param name="RequestedAt">When it was asked for.</param>
public sealed record CaptureRequest(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("rows")] int Rows,
    [property: JsonPropertyName("requested_at")] DateTimeOffset RequestedAt)
{
    /// <summary>The most rows one capture takes.</summary>
    public const int MaxRows = 1_000_000;
}
