using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlopsGateway.Monitoring.Quality;

/// <summary>
/// How figures print where a person or a script reads them: a figure that is not defined (an
/// interval over one label, a score over no rows: NaN or infinite) is "n/a" in text and null in
/// JSON, never "NaN", which reads as a broken number and which JSON cannot hold.
/// </summary>
public static class FigureText
{
    /// <summary>What a figure that is not defined prints as.</summary>
    public const string Undefined = "n/a";

    /// <summary><paramref name="value"/> in <paramref name="format"/> (invariant), or <see cref="Undefined"/>.</summary>
    public static string Of(double? value, string format) =>
        value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : Undefined;

    /// <summary>An interval as <c>lower - upper</c>; <see cref="Undefined"/> when neither bound is defined.</summary>
    public static string Interval(double? lower, double? upper, string format) =>
        !IsDefined(lower) && !IsDefined(upper) ? Undefined : $"{Of(lower, format)} - {Of(upper, format)}";

    private static bool IsDefined(double? value) => value is { } v && double.IsFinite(v);
}

/// <summary>Writes a figure that is not defined (NaN, infinite) as JSON null, and reads null back as NaN.</summary>
public sealed class UndefinedAsNullConverter : JsonConverter<double>
{
    /// <inheritdoc/>
    public override bool HandleNull => true;

    /// <inheritdoc/>
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
