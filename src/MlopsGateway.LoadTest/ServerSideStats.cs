namespace MlopsGateway.LoadTest;

/// <summary>
/// What the worker's own metrics say about one level: the difference of two Prometheus scrapes,
/// one just before the measurement and one just after it, over the series of the tested model.
/// </summary>
/// <param name="Requests">Requests the worker answered (<c>mlops_worker_requests_total</c>); null when it exports none.</param>
/// <param name="RequestsByStatus">The same by gRPC status.</param>
/// <param name="Request">Time the worker took to answer a successful request (<c>mlops_worker_request_duration_seconds</c>); null from workers that do not export it.</param>
/// <param name="Queue">Time a request waited for its batch (<c>mlops_worker_queue_duration_seconds</c>).</param>
/// <param name="Compute">Time of one ONNX Runtime run (<c>mlops_worker_compute_duration_seconds</c>).</param>
/// <param name="BatchSize">Average rows per ONNX Runtime run (<c>mlops_worker_batch_size</c>).</param>
/// <param name="Runs">ONNX Runtime runs in the level.</param>
public sealed record ServerSideStats(
    long? Requests,
    IReadOnlyDictionary<string, long> RequestsByStatus,
    ServerDuration? Request,
    ServerDuration? Queue,
    ServerDuration? Compute,
    double? BatchSize,
    long? Runs)
{
    /// <summary>Whether any of the worker's series moved during the level.</summary>
    public bool HasData => Requests is > 0 || Request is not null || Queue is not null || Compute is not null || BatchSize is not null;
}
