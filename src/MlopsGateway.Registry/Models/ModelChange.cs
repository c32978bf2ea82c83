using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Models;

/// <summary>One change in the registry, as its audit trail (<c>{ns}:models:audit</c>) keeps it.</summary>
/// <param name="Action">One of the constants below: <c>pushed</c>, <c>alias_set</c>, <c>alias_removed</c>, <c>deprecated</c>, <c>retired</c>.</param>
/// <param name="Model">The model.</param>
/// <param name="Version">The version concerned (an alias's new target; for a removed alias, the one it left).</param>
/// <param name="By">Who made the change.</param>
/// <param name="At">When.</param>
/// <param name="Detail">What changed, for people: the push's sha256 and status, an alias's move, a sunset and replacement.</param>
/// <param name="Alias">The alias moved, for alias changes; null otherwise.</param>
public sealed record ModelChange(
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("version")] string? Version,
    [property: JsonPropertyName("by")] string By,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("detail")] string Detail,
    [property: JsonPropertyName("alias"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Alias = null)
{
    /// <summary>A version was pushed (its status settled: READY or FAILED).</summary>
    public const string Pushed = "pushed";

    /// <summary>An alias was set or moved.</summary>
    public const string AliasSet = "alias_set";

    /// <summary>An alias was removed.</summary>
    public const string AliasRemoved = "alias_removed";

    /// <summary>A version was deprecated (or its deprecation changed).</summary>
    public const string Deprecated = "deprecated";

    /// <summary>A version was retired.</summary>
    public const string Retired = "retired";
}
