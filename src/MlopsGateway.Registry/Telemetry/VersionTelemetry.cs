namespace MlopsGateway.Registry.Telemetry;

/// <summary>
/// What the gateways saw of one model version over a span of time, merged across every gateway
/// that flushed it: the evidence a rollout is judged on and the console charts. Counts add, so two
/// spans over disjoint calls merge by adding field by field (<see cref="Add"/>).
/// </summary>
/// <param name="Model">The model name.</param>
/// <param name="Version">The version.</param>
/// <param name="From">Start of the span (inclusive).</param>
/// <param name="To">End of the span (exclusive).</param>
/// <param name="Ok">Calls answered with gRPC status OK.</param>
/// <param name="Errors">Calls that failed, by gRPC status name (<c>UNAVAILABLE</c>, <c>INTERNAL</c>, ...); calls the caller broke off (cancelled, went away) are not counted; DEADLINE_EXCEEDED is, since leaving it out would drop a slow version's slowest calls from both its errors and its latency.</param>
/// <param name="Latency">Answered calls (OK) per latency bucket: entry i counts calls at most the i-th bound of Monitoring's <c>LatencyBuckets.Seconds</c>, the last entry (one more than the bounds) those above every bound.</param>
/// <param name="ShadowRows">Classifier rows compared between this version, as a shadow, and the primary version that answered.</param>
/// <param name="ShadowRowsDiffering">Of those, rows whose top class differed.</param>
public sealed record VersionTelemetry(
    string Model,
    string Version,
    DateTimeOffset From,
    DateTimeOffset To,
    long Ok,
    IReadOnlyDictionary<string, long> Errors,
    long[] Latency,
    long ShadowRows,
    long ShadowRowsDiffering)
{
    /// <summary>
    /// Entries of <see cref="Latency"/>: Monitoring's <c>LatencyBuckets.Seconds</c> (36 bounds, 50 µs to 30 s)
    /// plus the overflow. The registry does not reference Monitoring; a test holds the two together.
    /// </summary>
    public const int LatencyEntries = 37;

    /// <summary>Every call counted, answered or failed.</summary>
    public long Requests => Ok + Errors.Values.Sum();

    /// <summary>The calls that failed.</summary>
    public long Failed => Errors.Values.Sum();

    /// <summary>The two spans' counts added; the span covers both.</summary>
    public VersionTelemetry Add(VersionTelemetry other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var errors = new Dictionary<string, long>(Errors, StringComparer.Ordinal);
        foreach (var (status, count) in other.Errors)
        {
            errors[status] = errors.GetValueOrDefault(status) + count;
        }
        var latency = new long[Math.Max(Latency.Length, other.Latency.Length)];
        for (var i = 0; i < latency.Length; i++)
        {
            latency[i] = (i < Latency.Length ? Latency[i] : 0) + (i < other.Latency.Length ? other.Latency[i] : 0);
        }
        return this with
        {
            From = From < other.From ? From : other.From,
            To = To > other.To ? To : other.To,
            Ok = Ok + other.Ok,
            Errors = errors,
            Latency = latency,
            ShadowRows = ShadowRows + other.ShadowRows,
            ShadowRowsDiffering = ShadowRowsDiffering + other.ShadowRowsDiffering,
        };
    }
}
