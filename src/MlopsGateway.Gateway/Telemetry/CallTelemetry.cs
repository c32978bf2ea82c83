using System.Collections.Concurrent;
using System.Collections.Frozen;
using Grpc.Core;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry.Telemetry;

namespace MlopsGateway.Gateway.Telemetry;

/// <summary>
/// Per-version call counts on the request path: answered calls by latency bucket, failed calls by
/// gRPC status, and shadow rows compared. Lock-free and I/O-free (a dictionary lookup and one
/// interlocked increment per call); <see cref="TelemetryFlush"/> takes what accumulated every few
/// seconds. Entries are bounded by the versions the gateway knows (the caller filters names through
/// <c>MetricLabels</c>) and by <see cref="MaxVersions"/> besides.
/// </summary>
internal sealed class CallTelemetry
{
    /// <summary>Versions counted at most; calls to more are not counted (a guard: the labels already bound them).</summary>
    public const int MaxVersions = 4096;

    /// <summary>gRPC status codes 0-16.</summary>
    private const int Codes = 17;

    private static readonly double[] s_bounds = [.. LatencyBuckets.Seconds];

    /// <summary>The names the store keeps failed calls under, by code (index 0, OK, is never one).</summary>
    private static readonly string[] s_names =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE",
        "DATA_LOSS", "UNAUTHENTICATED",
    ];

    private static readonly FrozenDictionary<string, int> s_codes =
        Enum.GetValues<StatusCode>().ToFrozenDictionary(c => c.ToString(), c => (int)c, StringComparer.Ordinal);

    private readonly ConcurrentDictionary<(string Model, string Version), Counters> _versions = new();

    /// <summary>Counts one call of <paramref name="model"/> <paramref name="version"/> answered with gRPC <paramref name="code"/> after <paramref name="duration"/>.</summary>
    public void Answered(string model, string version, int code, TimeSpan duration)
    {
        if (Of(model, version) is not { } counters)
        {
            return;
        }
        if (code == 0)
        {
            Interlocked.Increment(ref counters.Latency[Bin(duration.TotalSeconds)]);
        }
        else
        {
            Interlocked.Increment(ref counters.Failed[code is > 0 and < Codes ? code : 2]);
        }
    }

    /// <summary>Counts <paramref name="rows"/> classifier rows of shadow <paramref name="version"/> compared with the primary's, <paramref name="agreeing"/> of them agreeing.</summary>
    public void Compared(string model, string version, int rows, int agreeing)
    {
        if (rows <= 0 || Of(model, version) is not { } counters)
        {
            return;
        }
        Interlocked.Add(ref counters.ShadowRows, rows);
        Interlocked.Add(ref counters.ShadowDiffering, rows - Math.Clamp(agreeing, 0, rows));
    }

    /// <summary>
    /// Takes every count made since the last take (each counter back to zero, one interlocked exchange
    /// each, so no call is lost or counted twice), as one delta per version over [<paramref name="from"/>, <paramref name="to"/>).
    /// </summary>
    public List<VersionTelemetry> Take(DateTimeOffset from, DateTimeOffset to)
    {
        var taken = new List<VersionTelemetry>();
        foreach (var ((model, version), counters) in _versions)
        {
            var latency = new long[VersionTelemetry.LatencyEntries];
            long ok = 0, any = 0;
            for (var i = 0; i < latency.Length; i++)
            {
                latency[i] = Interlocked.Exchange(ref counters.Latency[i], 0);
                ok += latency[i];
            }
            var errors = new Dictionary<string, long>(StringComparer.Ordinal);
            for (var code = 1; code < Codes; code++)
            {
                if (Interlocked.Exchange(ref counters.Failed[code], 0) is > 0 and var failed)
                {
                    errors[s_names[code]] = failed;
                    any += failed;
                }
            }
            var rows = Interlocked.Exchange(ref counters.ShadowRows, 0);
            var differing = Interlocked.Exchange(ref counters.ShadowDiffering, 0);
            if (ok + any + rows > 0)
            {
                // A row counted between the two exchanges can leave its difference for the next take: never more differing than compared.
                var kept = Math.Min(differing, rows);
                Interlocked.Add(ref counters.ShadowDiffering, differing - kept);
                taken.Add(new VersionTelemetry(model, version, from, to, ok, errors, latency, rows, kept));
            }
        }
        return taken;
    }

    /// <summary>The latency entry of a call that took <paramref name="seconds"/>: the first bound at or above it, or the overflow.</summary>
    internal static int Bin(double seconds)
    {
        var found = Array.BinarySearch(s_bounds, seconds);
        return found >= 0 ? found : ~found;
    }

    /// <summary>The code of gRPC status <paramref name="name"/> as <c>GrpcStatusReader</c> names it (<c>Unavailable</c>); 2 (UNKNOWN) for another.</summary>
    internal static int CodeOf(string name) => s_codes.TryGetValue(name, out var code) ? code : 2;

    private Counters? Of(string model, string version)
    {
        if (model.Length == 0 || version.Length == 0)
        {
            return null;
        }
        if (_versions.TryGetValue((model, version), out var counters))
        {
            return counters;
        }
        return _versions.Count >= MaxVersions ? null : _versions.GetOrAdd((model, version), static _ => new Counters());
    }

    private sealed class Counters
    {
        public readonly long[] Latency = new long[VersionTelemetry.LatencyEntries];
        public readonly long[] Failed = new long[Codes];
        public long ShadowRows;
        public long ShadowDiffering;
    }
}
