using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Feedback;

/// <summary>
/// A <see cref="PredictionRecord"/> as its bucket's hash holds it: the model and the id are the key and
/// the field, so the value holds the rest, with short names and the time in Unix milliseconds
/// (<c>{"v":"1","t":1764670000123,"c":1,"p":[0.2,0.8]}</c>): a third of the bytes of the record's own JSON,
/// written by hand (<see cref="PredictionBatch"/>) as each prediction is recorded, so that a worker recording every prediction pays little for it.
/// </summary>
/// <param name="Version">The version that answered.</param>
/// <param name="At">When it was answered, Unix milliseconds.</param>
/// <param name="Class">A classifier's predicted class index.</param>
/// <param name="Probabilities">A classifier's class probabilities, when it outputs them.</param>
/// <param name="Value">A regressor's predicted value.</param>
internal sealed record StoredPrediction(
    [property: JsonPropertyName("v")] string Version,
    [property: JsonPropertyName("t")] long At,
    [property: JsonPropertyName("c")] int? Class,
    [property: JsonPropertyName("p")] IReadOnlyList<float>? Probabilities,
    [property: JsonPropertyName("x")] double? Value)
{
    /// <summary>What makes this value no record a label could be judged against; null when it is one.</summary>
    public string? Problem() =>
        At < 0 || At > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() ? "its time is out of range"
        : FeedbackChecks.Prediction("", "", ToRecord("", ""));

    /// <summary>The record of <paramref name="model"/>'s prediction <paramref name="id"/> this value holds.</summary>
    public PredictionRecord ToRecord(string model, string id) =>
        new(model, id, Version, DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(At, 0, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())),
            Class, Probabilities, Value);
}
