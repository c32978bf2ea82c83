using System.Globalization;

namespace MlopsGateway.LoadTest;

/// <summary>Durations as people write them on a command line: <c>10s</c>, <c>500ms</c>, <c>2m</c>, <c>7d</c>, <c>250us</c>, or plain seconds.</summary>
public static class DurationText
{
    /// <summary>Parses <paramref name="text"/>; false when it is not a non-negative duration.</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var span = text.Trim().AsSpan();
        var unitStart = span.Length;
        while (unitStart > 0 && char.IsLetter(span[unitStart - 1]) || unitStart > 0 && span[unitStart - 1] == 'µ')
        {
            unitStart--;
        }
        var unit = span[unitStart..].ToString().ToLowerInvariant();
        if (!double.TryParse(span[..unitStart].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || !double.IsFinite(value))
        {
            return false;
        }
        double? seconds = unit switch
        {
            "" or "s" or "sec" => value,
            "ms" => value / 1e3,
            "us" or "µs" => value / 1e6,
            "m" or "min" => value * 60,
            "h" => value * 3600,
            "d" => value * 86400,
            _ => null,
        };
        if (seconds is null || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }
        duration = TimeSpan.FromSeconds(seconds.Value);
        return true;
    }

    /// <summary>Formats a duration briefly: <c>10s</c>, <c>500ms</c>, <c>2m</c>.</summary>
    public static string Format(TimeSpan duration) =>
        duration.TotalSeconds >= 60 && duration.TotalSeconds % 60 == 0 ? $"{duration.TotalMinutes.ToString(CultureInfo.InvariantCulture)}m"
        : duration.TotalSeconds >= 1 ? $"{duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s"
        : $"{duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)}ms";
}
