using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Models;

/// <summary>
/// A version's deprecation: it still serves until <see cref="Sunset"/> (RFC 8594's meaning), and
/// callers are told so and pointed to <see cref="Replacement"/>.
/// </summary>
/// <param name="Sunset">When calls that pin the version stop being answered.</param>
/// <param name="Replacement">The version callers should move to, or null.</param>
/// <param name="Note">Why, or what to do, for people; null when none was given.</param>
/// <param name="By">Who deprecated it.</param>
/// <param name="At">When it was deprecated (RFC 9745's deprecation date).</param>
public sealed record ModelDeprecation(
    [property: JsonPropertyName("sunset")] DateTimeOffset Sunset,
    [property: JsonPropertyName("replacement")] string? Replacement,
    [property: JsonPropertyName("note")] string? Note,
    [property: JsonPropertyName("by")] string By,
    [property: JsonPropertyName("at")] DateTimeOffset At);
