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
    public static PathResult Failed(string model, string path, string note) => new(model, path, 0, 0, 0, 0, 0, [], null, note);
}
