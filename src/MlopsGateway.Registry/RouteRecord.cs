using System.Globalization;
using System.Text.Json.Serialization;

namespace MlopsGateway.Registry;

/// <summary>
/// How a model's requests are split across its versions. Immutable; a change replaces the record
/// whole. A request that names a version gets that version; otherwise it gets <see cref="Stable"/>,
/// or <see cref="Canary"/> for <see cref="CanaryWeight"/> percent of requests (per caller when the
/// request carries an <c>x-routing-key</c>). <see cref="ShadowPercent"/> percent of requests are
/// also copied to <see cref="Shadow"/>, whose answers are compared and never returned.
/// </summary>
/// <param name="Model">The model name.</param>
/// <param name="Stable">The version most requests get.</param>
/// <param name="Canary">A version being rolled out, or null.</param>
/// <param name="CanaryWeight">Percent of requests (0–100, fractions allowed) that get the canary.</param>
/// <param name="Shadow">A version that receives copies of requests, or null.</param>
/// <param name="ShadowPercent">Percent of requests (0–100, fractions allowed) copied to the shadow.</param>
/// <param name="UpdatedAt">When the route was last changed.</param>
/// <param name="UpdatedBy">Who changed it last.</param>
public sealed record RouteRecord(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("stable")] string Stable,
    [property: JsonPropertyName("canary")] string? Canary = null,
    [property: JsonPropertyName("canary_weight")] double CanaryWeight = 0,
    [property: JsonPropertyName("shadow")] string? Shadow = null,
    [property: JsonPropertyName("shadow_percent")] double ShadowPercent = 0,
    [property: JsonPropertyName("updated_at")] DateTimeOffset UpdatedAt = default,
    [property: JsonPropertyName("updated_by")] string UpdatedBy = "")
{
    /// <summary>One line for people: <c>stable 1; canary 2 at 10%; shadow 2 at 100%</c>.</summary>
    public string Describe()
    {
        var text = $"stable {Stable}";
        if (Canary is not null)
        {
            text += $"; canary {Canary} at {Percent(CanaryWeight)}";
        }
        if (Shadow is not null)
        {
            text += $"; shadow {Shadow} at {Percent(ShadowPercent)}";
        }
        return text;
    }

    private static string Percent(double value) => value.ToString("0.####", CultureInfo.InvariantCulture) + "%";
}
