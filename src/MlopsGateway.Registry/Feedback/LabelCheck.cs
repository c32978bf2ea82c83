using System.Globalization;
using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Registry.Feedback;

/// <summary>
/// Whether a label sent for a prediction is one the version could have predicted: for a classifier
/// one of its classes, by name or index; for a regressor a finite number within the baseline's
/// prediction range widened by <see cref="RangeMargin"/> of its width on each side (without a
/// baseline, any finite number). The classes are the baseline's, else those the worker recorded
/// (<see cref="PredictionSchema"/>: the config's labels, or the width of the probabilities).
/// </summary>
internal static class LabelCheck
{
    /// <summary>How far past the baseline's smallest and largest prediction a regressor's label may lie, as a share of that range.</summary>
    public const double RangeMargin = 0.5;

    public readonly record struct Parsed(int? Class, double? Value, string? Problem);

    public static Parsed Parse(PredictionRecord prediction, string label, BaselineProfile? baseline, PredictionSchema? schema)
    {
        var text = label.Trim();
        var what = $"model '{prediction.Model}' version {prediction.Version}";
        if (prediction.Value is not null)
        {
            return Value(text, what, baseline?.Prediction);
        }
        var classes = baseline is { Classes.Count: > 0 } ? baseline.Classes : schema?.Classes ?? [];
        var count = classes.Count > 0 ? classes.Count : prediction.Probabilities?.Count ?? 0;
        for (var i = 0; i < classes.Count; i++)
        {
            if (string.Equals(classes[i], text, StringComparison.Ordinal))
            {
                return new Parsed(i, null, null);
            }
        }
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && (count == 0 || index < count))
        {
            return new Parsed(index, null, null);
        }
        var allowed = classes.Count > 0
            ? $"one of its classes: {string.Join(", ", classes)} (or an index, 0 to {count - 1})"
            : count > 0 ? $"a class index, 0 to {count - 1}" : "a class index (0, 1, ...)";
        return new Parsed(null, null, $"'{Shown(label)}' is not a class of {what}: give {allowed}.");
    }

    private static Parsed Value(string text, string what, FeatureProfile? prediction)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            return new Parsed(null, null, $"'{Shown(text)}' is not a finite number, and {what} predicts a value: give one such as 12.5.");
        }
        if (prediction is { Kind: FeatureKind.Numeric } profile && double.IsFinite(profile.Min) && double.IsFinite(profile.Max))
        {
            var (low, high) = Range(profile.Min, profile.Max);
            if (value < low || value > high)
            {
                return new Parsed(null, null, string.Create(CultureInfo.InvariantCulture,
                    $"{value} is outside the values {what} predicts: give a number from {low} to {high} (its baseline's predictions, {profile.Min} to {profile.Max}, widened by {RangeMargin * 100}% of their range on each side)."));
            }
        }
        return new Parsed(null, value, null);
    }

    /// <summary>The baseline's range widened by <see cref="RangeMargin"/>; a range of one value is widened by that share of its size (or of 1).</summary>
    internal static (double Low, double High) Range(double min, double max)
    {
        var width = max > min ? max - min : Math.Max(Math.Abs(max), 1);
        return (min - (RangeMargin * width), max + (RangeMargin * width));
    }

    private static string Shown(string label) => label.Length <= 64 ? label : label[..64] + "…";
}
