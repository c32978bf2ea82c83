using System.Text.Json.Serialization;

namespace MlopsGateway.Registry;

/// <summary>
/// How busy one loaded model version of a worker is, as its heartbeat saw it: the queue at that
/// moment, and the batches run since the heartbeat before (the first heartbeat: since the version loaded).
/// </summary>
/// <param name="Model">The model name.</param>
/// <param name="Version">The version.</param>
/// <param name="QueueDepth">Requests waiting in the version's queue when the record was written.</param>
/// <param name="Batches">ONNX Runtime runs (batches) in the period.</param>
/// <param name="MeanBatchSize">Rows per batch on average in the period; 0 when none ran.</param>
/// <param name="MaxBatchSize">Rows of the period's largest batch; 0 when none ran.</param>
public sealed record VersionLoad(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("queue_depth")] int QueueDepth,
    [property: JsonPropertyName("batches")] long Batches,
    [property: JsonPropertyName("mean_batch_size")] double MeanBatchSize,
    [property: JsonPropertyName("max_batch_size")] long MaxBatchSize);
