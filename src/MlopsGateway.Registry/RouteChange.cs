using System.Text.Json.Serialization;

namespace MlopsGateway.Registry;

/// <summary>One change of a model's route, as kept in the audit trail.</summary>
/// <param name="Model">The model.</param>
/// <param name="By">Who made the change.</param>
/// <param name="At">When.</param>
/// <param name="Before">The route before (null when there was none).</param>
/// <param name="After">The route after (null when it was removed).</param>
/// <param name="Unregistered">
/// The versions the new route names that no registered worker served at the time, stored because the
/// check was skipped (for models static workers serve); null when every version was served.
/// </param>
public sealed record RouteChange(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("by")] string By,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("before")] RouteRecord? Before,
    [property: JsonPropertyName("after")] RouteRecord? After,
    [property: JsonPropertyName("unregistered"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Unregistered = null);
