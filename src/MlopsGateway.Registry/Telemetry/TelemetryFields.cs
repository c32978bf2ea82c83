using System.Globalization;
using StackExchange.Redis;

namespace MlopsGateway.Registry.Telemetry;

/// <summary>
/// The fields of a telemetry bucket hash (<see cref="TelemetryKeys.Calls"/>): written from a
/// <see cref="VersionTelemetry"/>, read back into one with every field checked, because anyone with
/// access to Redis can write a hash by hand and a judge must not act on a count that is not one.
/// </summary>
internal static class TelemetryFields
{
    public const string Ok = "ok";
    public const string ErrorPrefix = "e:";
    public const string ShadowRows = "sr";
    public const string ShadowDiffering = "sd";

    /// <summary>The gRPC status names a failed call may be counted under (every code but OK).</summary>
    public static readonly IReadOnlySet<string> StatusNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    };

    /// <summary>The non-zero counts of <paramref name="telemetry"/>, by field.</summary>
    /// <exception cref="ArgumentException">A count is negative, a status is not a gRPC status name, or there are too many latency entries.</exception>
    public static List<(string Field, long Value)> Of(VersionTelemetry telemetry)
    {
        var fields = new List<(string, long)>();
        Add(fields, Ok, telemetry.Ok);
        foreach (var (status, count) in telemetry.Errors)
        {
            if (!StatusNames.Contains(status))
            {
                throw new ArgumentException($"'{status}' is not the name of a gRPC error status (UNAVAILABLE, INTERNAL, ...).", nameof(telemetry));
            }
            Add(fields, ErrorPrefix + status, count);
        }
        if (telemetry.Latency.Length > VersionTelemetry.LatencyEntries)
        {
            throw new ArgumentException($"{telemetry.Latency.Length} latency entries, more than the {VersionTelemetry.LatencyEntries} of the shared buckets.", nameof(telemetry));
        }
        for (var i = 0; i < telemetry.Latency.Length; i++)
        {
            Add(fields, string.Create(CultureInfo.InvariantCulture, $"l{i}"), telemetry.Latency[i]);
        }
        Add(fields, ShadowRows, telemetry.ShadowRows);
        Add(fields, ShadowDiffering, telemetry.ShadowRowsDiffering);
        return fields;
    }

    private static void Add(List<(string, long)> fields, string field, long value)
    {
        if (value < 0)
        {
            throw new ArgumentException($"Count {field} is {value}; counts are zero or more.", nameof(fields));
        }
        if (value > 0)
        {
            fields.Add((field, value));
        }
    }

    /// <summary>
    /// One bucket's hash as a <see cref="VersionTelemetry"/>; each field that is not a count this
    /// store writes is skipped and reported to <paramref name="fault"/> with its field name.
    /// </summary>
    public static VersionTelemetry Read(
        string model, string version, DateTimeOffset from, DateTimeOffset to, HashEntry[] entries, Action<string, string> fault)
    {
        long ok = 0, shadowRows = 0, shadowDiffering = 0;
        var errors = new Dictionary<string, long>(StringComparer.Ordinal);
        var latency = new long[VersionTelemetry.LatencyEntries];
        foreach (var entry in entries)
        {
            var field = entry.Name.ToString();
            if (!long.TryParse(entry.Value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                fault(field, "it is not a count (a whole number, zero or more)");
                continue;
            }
            switch (field)
            {
                case Ok:
                    ok = count;
                    break;
                case ShadowRows:
                    shadowRows = count;
                    break;
                case ShadowDiffering:
                    shadowDiffering = count;
                    break;
                default:
                    if (field.StartsWith(ErrorPrefix, StringComparison.Ordinal))
                    {
                        var status = field[ErrorPrefix.Length..];
                        if (StatusNames.Contains(status))
                        {
                            errors[status] = count;
                        }
                        else
                        {
                            fault(field, "it is not a gRPC error status name (UNAVAILABLE, INTERNAL, ...)");
                        }
                    }
                    else if (field.StartsWith('l')
                        && int.TryParse(field.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var bin)
                        && bin < latency.Length)
                    {
                        latency[bin] = count;
                    }
                    else
                    {
                        fault(field, $"it is not a field of call telemetry (ok, e:STATUS, l0 to l{latency.Length - 1}, sr, sd)");
                    }
                    break;
            }
        }
        if (shadowDiffering > shadowRows)
        {
            // Both are skipped: which one is wrong cannot be told, and a share above 1 would fail any rollout.
            fault($"{ShadowDiffering}", $"it counts {shadowDiffering} differing rows of only {shadowRows} compared");
            shadowRows = shadowDiffering = 0;
        }
        return new VersionTelemetry(model, version, from, to, ok, errors, latency, shadowRows, shadowDiffering);
    }
}
