using System.Diagnostics;

namespace MlopsGateway.LoadTest;

/// <summary>
/// Scrapes a worker's Prometheus page and turns two scrapes into <see cref="ServerSideStats"/> for
/// one model (and version, when given): how long the worker took to answer, how long requests
/// queued, how long ONNX Runtime ran (means and percentiles), how many rows each run held, and how
/// many requests the worker itself counted.
/// </summary>
public sealed class ServerMetricsProbe : IDisposable
{
    /// <summary>Requests answered, by model, version and status.</summary>
    public const string RequestsTotal = "mlops_worker_requests_total";

    /// <summary>Time the worker took to answer a successful request, in seconds (histogram).</summary>
    public const string RequestDuration = "mlops_worker_request_duration_seconds";

    /// <summary>Time requests waited before their batch ran, in seconds (histogram).</summary>
    public const string QueueDuration = "mlops_worker_queue_duration_seconds";

    /// <summary>Time of one ONNX Runtime run, in seconds (histogram).</summary>
    public const string ComputeDuration = "mlops_worker_compute_duration_seconds";

    /// <summary>Rows per ONNX Runtime run (histogram).</summary>
    public const string BatchSize = "mlops_worker_batch_size";

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private long _lastScrape;

    /// <param name="url">The metrics page, e.g. <c>http://127.0.0.1:9101/metrics</c>.</param>
    /// <param name="model">The model whose series count.</param>
    /// <param name="version">The version whose series count; empty or null for every version.</param>
    /// <param name="http">A client to use; one is made (and disposed) otherwise.</param>
    public ServerMetricsProbe(Uri url, string model, string? version, HttpClient? http = null)
    {
        Url = url;
        Model = model;
        Version = version ?? "";
        _ownsHttp = http is null;
        _http = http ?? new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The metrics page.</summary>
    public Uri Url { get; }

    /// <summary>The model whose series count.</summary>
    public string Model { get; }

    /// <summary>The version whose series count; empty for every version.</summary>
    public string Version { get; }

    /// <summary>
    /// The least time between two scrapes, for exporters that cache their page (OpenTelemetry's
    /// Prometheus exporter can; this project's worker turns the cache off): a second scrape inside
    /// the cache window would read the first one's numbers again and show a level as empty.
    /// </summary>
    public TimeSpan MinimumInterval { get; init; } = TimeSpan.Zero;

    /// <summary>Reads the page once.</summary>
    /// <exception cref="HttpRequestException">The page could not be fetched.</exception>
    /// <exception cref="FormatException">The page is not Prometheus text.</exception>
    public async Task<IReadOnlyList<PrometheusSample>> ScrapeAsync(CancellationToken cancellationToken)
    {
        if (_lastScrape != 0 && MinimumInterval - Stopwatch.GetElapsedTime(_lastScrape) is { } wait && wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        }
        var text = await _http.GetStringAsync(Url, cancellationToken).ConfigureAwait(false);
        _lastScrape = Stopwatch.GetTimestamp();
        return PrometheusText.Parse(text);
    }

    /// <summary>What happened between two scrapes, for this probe's model.</summary>
    public ServerSideStats Compare(IReadOnlyList<PrometheusSample> before, IReadOnlyList<PrometheusSample> after)
    {
        var byStatus = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var status in after.Where(s => s.Name == RequestsTotal && Matches(s)).Select(s => s.Label("status")).Distinct())
        {
            var delta = Delta(before, after, RequestsTotal, s => s.Label("status") == status);
            if (delta > 0)
            {
                byStatus[status] = (long)Math.Round(delta);
            }
        }
        var hasRequests = after.Any(s => s.Name == RequestsTotal && Matches(s));
        var runs = Delta(before, after, ComputeDuration + "_count", null);
        return new ServerSideStats(
            hasRequests ? byStatus.Values.Sum() : null,
            byStatus,
            Duration(before, after, RequestDuration),
            Duration(before, after, QueueDuration),
            Duration(before, after, ComputeDuration),
            Average(before, after, BatchSize, 1),
            after.Any(s => s.Name == ComputeDuration + "_count" && Matches(s)) ? (long)Math.Round(runs) : null);
    }

    /// <summary>Releases the HTTP client when the probe made it.</summary>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private double? Average(IReadOnlyList<PrometheusSample> before, IReadOnlyList<PrometheusSample> after, string histogram, double scale)
    {
        var count = Delta(before, after, histogram + "_count", null);
        return count > 0 ? Delta(before, after, histogram + "_sum", null) / count * scale : null;
    }

    private ServerDuration? Duration(IReadOnlyList<PrometheusSample> before, IReadOnlyList<PrometheusSample> after, string histogram)
    {
        var count = Delta(before, after, histogram + "_count", null);
        if (count <= 0)
        {
            return null;
        }
        // Cumulative bucket counts moved during the level, summed over the matching series (versions), by upper bound.
        var buckets = after.Where(s => s.Name == histogram + "_bucket" && Matches(s))
            .Select(s => s.Label("le")).Distinct()
            .Select(le => (Bound: ParseBound(le), Count: Delta(before, after, histogram + "_bucket", s => s.Label("le") == le)))
            .Where(b => !double.IsNaN(b.Bound))
            .OrderBy(b => b.Bound)
            .ToArray();
        double Quantile(double q) => HistogramQuantile(buckets, q) * 1000;
        return new ServerDuration((long)Math.Round(count), Delta(before, after, histogram + "_sum", null) / count * 1000,
            Quantile(0.50), Quantile(0.90), Quantile(0.99));
    }

    /// <summary>
    /// Prometheus' <c>histogram_quantile</c>: find the bucket holding rank q·total and interpolate
    /// linearly inside it (from 0 for the first bucket); in the +Inf bucket, the highest finite bound.
    /// NaN when there are no buckets.
    /// </summary>
    internal static double HistogramQuantile(IReadOnlyList<(double Bound, double Count)> cumulative, double q)
    {
        if (cumulative.Count == 0 || cumulative[^1].Count <= 0)
        {
            return double.NaN;
        }
        var rank = q * cumulative[^1].Count;
        var lowerBound = 0.0;
        var lowerCount = 0.0;
        foreach (var (bound, count) in cumulative)
        {
            if (count >= rank && count > lowerCount)
            {
                if (double.IsPositiveInfinity(bound))
                {
                    return lowerBound;
                }
                return lowerBound + ((bound - lowerBound) * (rank - lowerCount) / (count - lowerCount));
            }
            lowerBound = double.IsPositiveInfinity(bound) ? lowerBound : bound;
            lowerCount = count;
        }
        return lowerBound;
    }

    private static double ParseBound(string le) => PrometheusText.TryParseNumber(le, out var bound) ? bound : double.NaN;

    private double Delta(IReadOnlyList<PrometheusSample> before, IReadOnlyList<PrometheusSample> after, string name, Func<PrometheusSample, bool>? filter)
    {
        double Sum(IReadOnlyList<PrometheusSample> samples) =>
            samples.Where(s => s.Name == name && Matches(s) && (filter is null || filter(s)) && double.IsFinite(s.Value)).Sum(s => s.Value);
        // A restarted worker resets its counters; a negative difference means nothing can be said.
        return Math.Max(0, Sum(after) - Sum(before));
    }

    private bool Matches(PrometheusSample sample) =>
        sample.Label("model") == Model && (Version.Length == 0 || sample.Label("version") == Version);
}
