using System.Globalization;
using System.Text;
using MlopsGateway.LoadTest;

namespace MlopsGateway.Compare.Internal;

/// <summary>
/// ONNX Runtime in-process at every number of concurrent callers × batch size: the in-process
/// ceiling is the best of all of them. One caller's best batch is not that ceiling: where one run
/// does not fill the machine (a run's own threads stall on memory, a GPU idles while the host
/// copies), concurrent callers go further, and a worker compared with less than the best reads
/// better than it is.
/// </summary>
/// <param name="callers">Concurrent callers tried.</param>
/// <param name="batches">Rows per run tried.</param>
/// <param name="maxInFlight">Pairs with more images in flight (callers × batch) are left out: past the machine's capacity they only take time.</param>
/// <param name="warmup">Warm-up of each pair.</param>
/// <param name="duration">Measurement of each pair.</param>
/// <param name="log">Progress lines.</param>
internal sealed class InProcessGrid(
    IReadOnlyList<int> callers, IReadOnlyList<int> batches, int maxInFlight, TimeSpan warmup, TimeSpan duration, Action<string> log)
{
    private readonly List<(int Callers, int Batch, LevelResult Level)> _runs = [];

    /// <summary>One (callers, batch) pair over the rounds: median images/s and the range, median latency of a run.</summary>
    public sealed record Cell(int Callers, int Batch, double Images, double Slowest, double Fastest, double P50, double P99);

    /// <summary>The pairs measured, in the order tried.</summary>
    public IReadOnlyList<(int Callers, int Batch)> Pairs =>
        [.. callers.SelectMany(c => batches.Where(b => c * b <= maxInFlight || (c == callers[0] && b == batches[0])).Select(b => (c, b)))];

    /// <summary>Medians of the rounds run so far, one cell per pair.</summary>
    public IReadOnlyList<Cell> Cells =>
        [.. _runs.GroupBy(r => (r.Callers, r.Batch)).Select(g =>
        {
            var images = g.Select(r => r.Level.RowsPerSecond).ToList();
            return new Cell(g.Key.Callers, g.Key.Batch, PathResult.MedianOf(images), images.Min(), images.Max(),
                PathResult.MedianOf(g.Select(r => r.Level.Latency.P50)), PathResult.MedianOf(g.Select(r => r.Level.Latency.P99)));
        })];

    /// <summary>The pair with the most images a second: the in-process baseline.</summary>
    public Cell? Best => Cells.MaxBy(c => c.Images);

    /// <summary>One caller, the smallest batch: the start of the batching gain.</summary>
    public Cell? Single => Cells.FirstOrDefault(c => c.Callers == callers.Min() && c.Batch == batches.Min());

    /// <summary>Every pair once, on <paramref name="bench"/>.</summary>
    public async Task RunRoundAsync(InProcessBench bench, CancellationToken cancellationToken)
    {
        log(Invariant($"resnet18 in-process on {bench.Provider}: callers {string.Join(", ", callers)} × batch sizes {string.Join(", ", batches)} (at most {maxInFlight} images in flight), {DurationText.Format(warmup)} warm-up + {DurationText.Format(duration)} each"));
        foreach (var (c, b) in Pairs)
        {
            var level = await bench.RunAsync(b, c, warmup, duration, seed: 1, cancellationToken).ConfigureAwait(false);
            log(Invariant($"  {c,3} callers × batch {b,3}: {level.RowsPerSecond,9:N1} images/s, {level.Latency.P50,9:N1} ms per run (p50){(level.Errors > 0 ? $", {level.Errors} errors" : "")}"));
            _runs.Add((c, b, level));
        }
    }

    /// <summary>The grid as a markdown table (callers down, batch sizes across, median images/s; the best in bold) and a line naming the best.</summary>
    public string Render()
    {
        var cells = Cells;
        var best = Best;
        var md = new StringBuilder();
        md.AppendLine("| callers \\ batch | " + string.Join(" | ", batches) + " |");
        md.AppendLine("| ---: |" + string.Concat(batches.Select(_ => " ---: |")));
        foreach (var c in callers)
        {
            md.Append(Invariant($"| {c} |"));
            foreach (var b in batches)
            {
                var cell = cells.FirstOrDefault(x => x.Callers == c && x.Batch == b);
                md.Append(cell is null ? " - |" : cell == best ? Invariant($" **{cell.Images:N1}** |") : Invariant($" {cell.Images:N1} |"));
            }
            md.AppendLine();
        }
        if (best is not null)
        {
            md.AppendLine().Append(Invariant($"Best in-process: {best.Callers} caller{(best.Callers == 1 ? "" : "s")} × batch {best.Batch}, {best.Images:N1} images/s (range {best.Slowest:N1}–{best.Fastest:N1}; a run's p50 {best.P50:N1} ms, p99 {best.P99:N1} ms)"));
            if (Single is { } one && one != best)
            {
                md.Append(Invariant($"; {one.Callers} caller × batch {one.Batch}: {one.Images:N1} images/s (×{best.Images / one.Images:0.00})"));
            }
            md.AppendLine(".");
        }
        return md.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
