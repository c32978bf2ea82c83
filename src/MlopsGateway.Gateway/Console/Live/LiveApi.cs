using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Monitoring.Rollouts;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Rollouts;
using MlopsGateway.Registry.Telemetry;

namespace MlopsGateway.Gateway.Console.Live;

/// <summary>One 10-second bucket of one version's calls.</summary>
/// <param name="At">The bucket's start, Unix seconds.</param>
/// <param name="RequestsPerSecond">Calls counted (answered or failed) per second.</param>
/// <param name="Errors">Calls that failed.</param>
/// <param name="P50">Median latency of the answered calls, seconds; null without any.</param>
/// <param name="P99">99th percentile, seconds; null without any.</param>
internal sealed record LivePoint(long At, double RequestsPerSecond, long Errors, double? P50, double? P99);

/// <summary>One version's last hour.</summary>
internal sealed record LiveVersion(string Version, long Requests, long Errors, IReadOnlyDictionary<string, long> ErrorsByStatus, IReadOnlyList<LivePoint> Points);

/// <summary>A model's live view: its route (as stored, and resolved), each version's series, and its rollout (running or the last), or why that record was skipped.</summary>
internal sealed record LiveView(
    string Model, RouteRecord? Route, RouteRecord? Resolved, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<LiveVersion> Versions,
    LiveRollout? Rollout, RecordFault? RolloutFault);

/// <summary>
/// Reads a model's call telemetry (what every gateway flushed to Redis, merged) bucket by bucket
/// over the last hour, for the live view's charts.
/// </summary>
internal sealed class LiveApi(TelemetryStore telemetry, SnapshotCache snapshots, RolloutStore rollouts, TimeProvider time)
{
    public static readonly TimeSpan Span = TimeSpan.FromHours(1);

    public async Task<LiveView> ReadAsync(string model, IReadOnlyList<string> versions)
    {
        var bucket = TelemetryStore.BucketLength;
        var now = time.GetUtcNow();
        // Up to the end of the current bucket, so that the last point is the one filling now.
        var to = new DateTimeOffset((now.UtcTicks / bucket.Ticks + 1) * bucket.Ticks, TimeSpan.Zero);
        var from = to - Span;
        var series = new List<LiveVersion>();
        foreach (var version in versions)
        {
            var buckets = await telemetry.ReadSeriesAsync(model, version, from, to).ConfigureAwait(false);
            var points = buckets.Select(b => new LivePoint(
                b.From.ToUnixTimeSeconds(), b.Requests / bucket.TotalSeconds, b.Failed,
                Defined(LatencyHistogram.Quantile(b.Latency, 0.5)), Defined(LatencyHistogram.Quantile(b.Latency, 0.99)))).ToList();
            var errors = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (status, count) in buckets.SelectMany(b => b.Errors))
            {
                errors[status] = errors.GetValueOrDefault(status) + count;
            }
            series.Add(new LiveVersion(version, buckets.Sum(b => b.Requests), buckets.Sum(b => b.Failed), errors, points));
        }
        var snapshot = snapshots.Current;
        // Read and validated by the store (RolloutChecks); an unreadable record is named, not shown.
        var rollout = await rollouts.ReadAsync(model).ConfigureAwait(false);
        return new LiveView(model, snapshot.StoredRoutes.FirstOrDefault(r => r.Model == model), snapshot.Routes.GetValueOrDefault(model), from, to, series,
            rollout.Record is { } record ? LiveRollout.Of(record) : null, rollout.Fault);
    }

    private static double? Defined(double value) => double.IsFinite(value) ? value : null;
}
