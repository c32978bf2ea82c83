using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Models;

/// <summary>One move of an alias, as its model's append-only alias history keeps it.</summary>
/// <param name="Model">The model.</param>
/// <param name="Alias">The alias, without its <c>@</c>.</param>
/// <param name="From">The version it pointed at before; null when it was new.</param>
/// <param name="To">The version it points at after; null when it was removed.</param>
/// <param name="By">Who moved it.</param>
/// <param name="At">When.</param>
public sealed record ModelAliasChange(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("alias")] string Alias,
    [property: JsonPropertyName("from")] string? From,
    [property: JsonPropertyName("to")] string? To,
    [property: JsonPropertyName("by")] string By,
    [property: JsonPropertyName("at")] DateTimeOffset At);
