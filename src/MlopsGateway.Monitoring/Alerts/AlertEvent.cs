using System.Text.Json.Serialization;

namespace MlopsGateway.Monitoring.Alerts;

/// <summary>
/// What the alert webhook receives when a drift or accuracy alert starts or ends: one JSON object per
/// transition. Fields that do not apply to the kind are left out.
/// </summary>
/// <param name="Id">
/// The transition's id, the same from every gateway: <c>EPISODE:started</c> or <c>EPISODE:ended</c>, where
/// the episode names the alert and when it started. A receiver that sees an id twice (a retried post) can drop it.
/// </param>
/// <param name="Status"><c>started</c> or <c>ended</c>.</param>
/// <param name="Kind"><c>drift</c> or <c>accuracy</c>.</param>
/// <param name="Model">The model.</param>
/// <param name="Version">The version.</param>
/// <param name="Feature">Drift: the feature (<c>prediction</c> for the prediction, <c>*</c> for the model as a whole).</param>
/// <param name="Metric">Accuracy: the figure (<c>accuracy</c>).</param>
/// <param name="Method">Drift of a feature: the method whose score crossed its threshold.</param>
/// <param name="Value">The score (drift) or the figure (accuracy) at the transition.</param>
/// <param name="Threshold">The threshold it was judged against.</param>
/// <param name="Lower">Accuracy: the interval's lower bound.</param>
/// <param name="Upper">Accuracy: the interval's upper bound.</param>
/// <param name="Rows">Rows (drift) or labels (accuracy) in the window.</param>
/// <param name="StartedAt">When the alert started.</param>
/// <param name="At">When this transition was seen.</param>
/// <param name="Summary">One line for people.</param>
public sealed record AlertEvent(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("feature"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Feature,
    [property: JsonPropertyName("metric"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Metric,
    [property: JsonPropertyName("method"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Method,
    [property: JsonPropertyName("value")] double Value,
    [property: JsonPropertyName("threshold")] double Threshold,
    [property: JsonPropertyName("lower"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Lower,
    [property: JsonPropertyName("upper"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Upper,
    [property: JsonPropertyName("rows")] long Rows,
    [property: JsonPropertyName("started_at")] DateTimeOffset StartedAt,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("summary")] string Summary)
{
    /// <summary><see cref="Status"/> of an alert that began.</summary>
    public const string Started = "started";

    /// <summary><see cref="Status"/> of an alert that is over.</summary>
    public const string Ended = "ended";

    /// <summary><see cref="Kind"/> of a drift alert.</summary>
    public const string DriftKind = "drift";

    /// <summary><see cref="Kind"/> of an accuracy alert.</summary>
    public const string AccuracyKind = "accuracy";
}
