using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Feedback;

/// <summary>The ground truth sent for one prediction, with who sent it: written once, never replaced.</summary>
/// <param name="Model">The model name.</param>
/// <param name="Id">The prediction's id.</param>
/// <param name="Version">The version whose prediction it labels.</param>
/// <param name="Class">The true class index (classifier).</param>
/// <param name="Value">The true value (regressor).</param>
/// <param name="Text">The label as it was sent (a class name, an index or a number).</param>
/// <param name="KeyId">The API key id (or <c>jwt:</c> subject) that sent it.</param>
/// <param name="At">When it arrived.</param>
public sealed record LabelRecord(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("class"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Class,
    [property: JsonPropertyName("value"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Value,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("key_id")] string KeyId,
    [property: JsonPropertyName("at")] DateTimeOffset At);
