using System.Globalization;

namespace MlopsGateway.Compare.Internal;

/// <summary>
/// What the worker is divided by: the most images a second ONNX Runtime reached in-process in this
/// run, over every (callers, batch) pair tried, and the most with one image a run (the batching gain's base).
/// </summary>
/// <param name="Images">The best images a second.</param>
/// <param name="Where">Which callers and batch gave it.</param>
/// <param name="Unbatched">The best images a second with one image a run, at any number of callers.</param>
internal sealed record InProcessBaseline(double Images, string Where, double Unbatched)
{
    /// <summary>In-process batching gain: the best ÷ the best with one image a run (what batching adds beyond concurrent runs).</summary>
    public double Gain => Unbatched > 0 ? Images / Unbatched : 0;

    /// <summary>The best of <paramref name="grid"/> and of the in-process path row (<paramref name="pathCallers"/> callers, one image each), when there is one.</summary>
    public static InProcessBaseline? Of(InProcessGrid grid, PathResult? path, int pathCallers)
    {
        var candidates = grid.Cells.Select(c => (c.Images, Where: Pair(c.Callers, c.Batch), c.Batch)).ToList();
        if (path is { Throughput: > 0 })
        {
            candidates.Add((path.Throughput, Pair(pathCallers, 1) + ", the in-process path", 1));
        }
        if (candidates.Count == 0)
        {
            return null;
        }
        var best = candidates.MaxBy(c => c.Images);
        var smallest = candidates.Min(c => c.Batch);
        return new InProcessBaseline(best.Images, best.Where, candidates.Where(c => c.Batch == smallest).Max(c => c.Images));
    }

    private static string Pair(int callers, int batch) =>
        string.Create(CultureInfo.InvariantCulture, $"{callers} caller{(callers == 1 ? "" : "s")} × batch {batch}");
}
