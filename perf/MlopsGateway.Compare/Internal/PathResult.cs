namespace MlopsGateway.Compare.Internal;

/// <summary>One model on one path: what the load tool measured and what each process spent.</summary>
/// <param name="Model">The model.</param>
/// <param name="Path">The path, e.g. <c>gateway → worker</c>.</param>
/// <param name="Throughput">Successful answers per second.</param>
/// <param name="P50">Median latency, ms.</param>
/// <param name="P99">99th percentile latency, ms.</param>
/// <param name="Requests">Requests sent, warm-up included (the CPU figures cover the same span).</param>
/// <param name="Errors">Failed measured requests.</param>
/// <param name="ServerCpu">CPU seconds of each server process over the run.</param>
/// <param name="ClientCpu">CPU seconds of the load tool (start-up included); null when it is the measuring process itself.</param>
/// <param name="Note">Why the row is missing or odd.</param>
internal sealed record PathResult(
    string Model, string Path, double Throughput, double P50, double P99, long Requests, long Errors,
    IReadOnlyList<(string Process, double Seconds)> ServerCpu, double? ClientCpu, string? Note = null)
{
    /// <summary>Slowest round's throughput (the same as <see cref="Throughput"/> for one run).</summary>
    public double SlowestThroughput { get; init; } = Throughput;

    /// <summary>Fastest round's throughput.</summary>
    public double FastestThroughput { get; init; } = Throughput;

    /// <summary>Average rows per ONNX Runtime run, from the worker's own metrics; null when it has none.</summary>
    public double? BatchSize { get; init; }

    /// <summary>Measured requests (warm-up excluded) as the load tool counted them, and as the worker's counter did.</summary>
    public (long Tool, long Worker)? MeasuredCounts { get; init; }

    public static PathResult Failed(string model, string path, string note) => new(model, path, 0, 0, 0, 0, 0, [], null, note);

    /// <summary>
    /// Several rounds of one path as one row: medians of throughput and latency (robust to a round
    /// that shared the machine with a burst of other work), sums of requests and CPU seconds.
    /// </summary>
    public static PathResult Median(IReadOnlyList<PathResult> rounds)
    {
        var ok = rounds.Where(r => r.Throughput > 0).ToList();
        if (ok.Count == 0)
        {
            return rounds[0];
        }
        var cpu = ok.SelectMany(r => r.ServerCpu).GroupBy(c => c.Process).Select(g => (g.Key, g.Sum(c => c.Seconds))).ToList();
        var clients = ok.Where(r => r.ClientCpu is not null).ToList();
        return new PathResult(ok[0].Model, ok[0].Path, MedianOf(ok, r => r.Throughput), MedianOf(ok, r => r.P50), MedianOf(ok, r => r.P99),
            ok.Sum(r => r.Requests), ok.Sum(r => r.Errors), cpu, clients.Count == 0 ? null : clients.Sum(r => r.ClientCpu!.Value),
            rounds.FirstOrDefault(r => r.Note is not null)?.Note)
        {
            SlowestThroughput = ok.Min(r => r.Throughput),
            FastestThroughput = ok.Max(r => r.Throughput),
            BatchSize = ok.All(r => r.BatchSize is not null) ? MedianOf(ok, r => r.BatchSize!.Value) : null,
            MeasuredCounts = ok.All(r => r.MeasuredCounts is not null)
                ? (ok.Sum(r => r.MeasuredCounts!.Value.Tool), ok.Sum(r => r.MeasuredCounts!.Value.Worker))
                : null,
        };
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count); 0 when there are none.</summary>
    public static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double MedianOf(IReadOnlyList<PathResult> rounds, Func<PathResult, double> value) => MedianOf(rounds.Select(value));
}
