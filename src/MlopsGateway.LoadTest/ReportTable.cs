using System.Globalization;

namespace MlopsGateway.LoadTest;

/// <summary>
/// The report's tables as text cells, so the terminal, markdown and any other rendering show the
/// same columns with the same formatting.
/// </summary>
public static class ReportTable
{
    /// <summary>One row per level: throughput, latency percentiles and errors.</summary>
    public static (string[] Headers, IReadOnlyList<string[]> Rows) Levels(LoadReport report)
    {
        string[] headers = report.RowsPerRequest > 1
            ? ["level", "requests", "ok/s", "rows/s", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "max ms", "errors"]
            : ["level", "requests", "ok/s", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "max ms", "errors"];
        var rows = report.Levels.Select(l =>
        {
            var cells = new List<string> { l.Label, l.Requests.ToString("N0", CultureInfo.InvariantCulture), Number(l.Throughput, 1) };
            if (report.RowsPerRequest > 1)
            {
                cells.Add(Number(l.RowsPerSecond, 1));
            }
            cells.AddRange([Ms(l.Latency.P50), Ms(l.Latency.P90), Ms(l.Latency.P95), Ms(l.Latency.P99), Ms(l.Latency.Max), Errors(l)]);
            return cells.ToArray();
        }).ToList();
        return (headers, rows);
    }

    /// <summary>What the worker-side table's columns mean, printed under it.</summary>
    public const string ServerCaption =
        "answer: the worker's time from receiving a successful request to answering it; queue: waiting for a batch; compute: one ONNX Runtime run. "
        + "Percentiles are interpolated inside the worker's histogram buckets (neighbouring bounds at most 1.67x apart), as Prometheus' histogram_quantile does; means are exact.";

    /// <summary>One row per level with the worker's own account; empty when no level has any.</summary>
    public static (string[] Headers, IReadOnlyList<string[]> Rows) Server(LoadReport report)
    {
        string[] headers = ["level", "worker requests", "answer ms p50 / p99", "queue ms p50 / p99 (mean)", "compute ms p50 / p99 (mean)", "batch rows (mean)", "runs"];
        if (!report.Levels.Any(l => l.Server is { HasData: true }))
        {
            return (headers, []);
        }
        var rows = report.Levels.Where(l => l.Server is not null).Select(l => new[]
        {
            l.Label,
            l.Server!.Requests?.ToString("N0", CultureInfo.InvariantCulture) ?? "-",
            Duration(l.Server.Request, withMean: false),
            Duration(l.Server.Queue, withMean: true),
            Duration(l.Server.Compute, withMean: true),
            Optional(l.Server.BatchSize, 2),
            l.Server.Runs?.ToString("N0", CultureInfo.InvariantCulture) ?? "-",
        }).ToList();
        return (headers, rows);
    }

    /// <summary>The errors cell: <c>0</c>, or the count and share with each status, e.g. <c>12 (0.4%): Unavailable 12</c>.</summary>
    public static string Errors(LevelResult level) => level.Errors == 0
        ? "0"
        : $"{level.Errors.ToString("N0", CultureInfo.InvariantCulture)} ({(level.ErrorRate * 100).ToString("0.##", CultureInfo.InvariantCulture)}%): "
          + string.Join(", ", level.ErrorsByStatus.Select(p => $"{p.Key} {p.Value.ToString("N0", CultureInfo.InvariantCulture)}"));

    /// <summary>Said when metrics were scraped but the worker had nothing for the model.</summary>
    public static string? ServerNote(LoadReport report) =>
        report.MetricsUrl is not null && report.Levels.Count > 0 && !report.Levels.Any(l => l.Server is { HasData: true })
            ? $"The metrics page {report.MetricsUrl} had no mlops_worker_* series for model '{report.Model}' that moved during the run, so the worker-side split is left out (is it the worker's page, and does this worker version export them?)."
            : null;

    /// <summary>A one-line description of the run's settings.</summary>
    public static string Settings(LoadReport report)
    {
        var mode = report.Mode == LoadMode.Closed
            ? "closed loop"
            : $"open loop ({(report.Arrival == ArrivalProcess.Poisson ? "Poisson" : "constant")} arrivals, latency from the intended send time)";
        var version = report.Version.Length == 0 ? "" : $" version {report.Version}";
        return $"{report.Model}{version} at {report.Target}: {mode}, warm-up {Number(report.WarmupSeconds, 1)} s and {Number(report.DurationSeconds, 1)} s per level; inputs {report.Inputs}; seed {report.Seed}; client {report.Client.ToString().ToLowerInvariant()}";
    }

    private static string Ms(double value) => Number(value, value < 10 ? 3 : value < 100 ? 2 : 1);

    /// <summary><c>p50 / p99</c>, with <c>(mean)</c> when asked; percentiles are bucket estimates.</summary>
    private static string Duration(ServerDuration? duration, bool withMean) => duration is null
        ? "-"
        : $"{Ms(duration.P50)} / {Ms(duration.P99)}" + (withMean ? $" ({Ms(duration.Mean)})" : "");

    private static string Optional(double? value, int decimals) => value is null ? "-" : Number(value.Value, decimals);

    private static string Number(double value, int decimals) => value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
