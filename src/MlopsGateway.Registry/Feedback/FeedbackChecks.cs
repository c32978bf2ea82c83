namespace MlopsGateway.Registry.Feedback;

/// <summary>
/// What a feedback record read from Redis must hold before it is used (anyone with access to Redis
/// can write one by hand): each returns the first problem, or null when the record is valid.
/// </summary>
internal static class FeedbackChecks
{
    public static string? Prediction(string model, string id, PredictionRecord record)
    {
        if (record.Model != model || record.Id != id)
        {
            return "it names another model or id than the key it is stored under";
        }
        if (string.IsNullOrEmpty(record.Version))
        {
            return "it names no version";
        }
        return Outcome(record.Class, record.Probabilities, record.Value, "prediction");
    }

    public static string? Schema(string model, string version, PredictionSchema schema)
    {
        if (schema.Model != model || schema.Version != version)
        {
            return "it names another model or version than the key it is stored under";
        }
        if (schema.Classes is null || schema.Classes.Any(string.IsNullOrEmpty))
        {
            return "its classes are missing, or one is empty";
        }
        return schema.Regressor && schema.Classes.Count > 0 ? "it is a regressor's, yet names classes" : null;
    }

    public static string? Label(string model, string id, LabelRecord label)
    {
        if (label.Model != model || label.Id != id)
        {
            return "it names another model or id than the key it is stored under";
        }
        if (string.IsNullOrEmpty(label.Version) || string.IsNullOrEmpty(label.KeyId) || label.Text is null)
        {
            return "its version, sender (key_id) or text is missing";
        }
        return (label.Class is null) == (label.Value is null) ? "it holds neither or both of a class and a value" : null;
    }

    public static string? Pair(string model, string version, string id, LabelledPrediction pair)
    {
        if (pair.Model != model || pair.Version != version || pair.Id != id)
        {
            return "it names another model, version or id than the key and field it is stored under";
        }
        if (string.IsNullOrEmpty(pair.KeyId))
        {
            return "it names no sender (key_id)";
        }
        if (Outcome(pair.PredictedClass, pair.Probabilities, pair.PredictedValue, "prediction") is { } predicted)
        {
            return predicted;
        }
        if (pair.PredictedClass is not null && (pair.LabelClass is not >= 0 || pair.LabelValue is not null))
        {
            return "its label is not a class index, as its prediction is";
        }
        if (pair.PredictedValue is not null && (pair.LabelValue is not { } value || !double.IsFinite(value) || pair.LabelClass is not null))
        {
            return "its label is not a finite number, as its prediction is";
        }
        return pair.LabelledAt < pair.PredictedAt ? "it was labelled before it was predicted" : null;
    }

    private static string? Outcome(int? @class, IReadOnlyList<float>? probabilities, double? value, string what)
    {
        if ((@class is null) == (value is null))
        {
            return $"its {what} holds neither or both of a class and a value";
        }
        if (@class is < 0)
        {
            return $"its {what}'s class {@class} is negative";
        }
        if (value is { } v && !double.IsFinite(v))
        {
            return $"its {what}'s value is not a finite number";
        }
        if (probabilities is not null && (value is not null || probabilities.Any(p => !(p >= 0 && p <= 1)) || @class >= probabilities.Count))
        {
            return $"its {what}'s probabilities are not numbers from 0 to 1, one per class, for a class";
        }
        return null;
    }
}
