using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Feedback;

/// <summary>
/// One prediction as a worker recorded it, by id, for the label that may come for it later.
/// Exactly one of <see cref="Class"/> and <see cref="Value"/> is set, as the model is a classifier
/// or a regressor. Stored as a <see cref="StoredPrediction"/> in its hour's hash, field = id, so a
/// call answered twice (retried on another worker) keeps one record.
/// </summary>
/// <param name="Model">The model name.</param>
/// <param name="Id">The prediction's id: the request's <c>id</c> (or the one made for it), with <c>#row</c> for each row of a request of several.</param>
/// <param name="Version">The version that answered.</param>
/// <param name="At">When it was answered.</param>
/// <param name="Class">A classifier's predicted class index.</param>
/// <param name="Probabilities">A classifier's class probabilities, in class order, when it outputs them.</param>
/// <param name="Value">A regressor's predicted value.</param>
public sealed record PredictionRecord(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("class"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Class = null,
    [property: JsonPropertyName("probabilities"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<float>? Probabilities = null,
    [property: JsonPropertyName("value"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Value = null);
