using System.Globalization;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>
/// The <c>grpc-timeout</c> request header (gRPC over HTTP/2: at most 8 digits and a unit, H M S m u
/// n), which carries the caller's deadline to the gateway and on to the worker.
/// </summary>
internal static class GrpcTimeout
{
    public const string Header = "grpc-timeout";

    /// <summary>The timeout <paramref name="value"/> names; false when it is absent or malformed.</summary>
    public static bool TryParse(string? value, out TimeSpan timeout)
    {
        timeout = default;
        if (value is null || value.Length is < 2 or > 9
            || !long.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }
        long? ticks = value[^1] switch
        {
            'H' => amount * TimeSpan.TicksPerHour,
            'M' => amount * TimeSpan.TicksPerMinute,
            'S' => amount * TimeSpan.TicksPerSecond,
            'm' => amount * TimeSpan.TicksPerMillisecond,
            'u' => amount * TimeSpan.TicksPerMicrosecond,
            'n' => amount / TimeSpan.NanosecondsPerTick,
            _ => null,
        };
        if (ticks is not { } t)
        {
            return false;
        }
        timeout = TimeSpan.FromTicks(t);
        return true;
    }

    /// <summary>
    /// <paramref name="timeout"/> as a header value: milliseconds, rounded up so that a deadline
    /// passed on is never shorter than what is left of it; seconds when milliseconds need more than 8 digits.
    /// </summary>
    public static string Format(TimeSpan timeout)
    {
        var milliseconds = (long)Math.Ceiling(Math.Max(timeout.TotalMilliseconds, 1));
        return milliseconds < 100_000_000
            ? milliseconds.ToString(CultureInfo.InvariantCulture) + "m"
            : Math.Min((long)Math.Ceiling(timeout.TotalSeconds), 99_999_999).ToString(CultureInfo.InvariantCulture) + "S";
    }
}
