using System.Diagnostics.Metrics;

namespace MlopsGateway.Worker.Predictions;

/// <summary>
/// Prediction records by outcome (<c>mlops_worker_prediction_records_total{model,outcome}</c>:
/// <c>written</c>, <c>dropped</c> when the queue was full, <c>failed</c> when Redis refused the write),
/// on the worker's meter.
/// </summary>
internal sealed class PredictionMetrics(WorkerMetrics metrics)
{
    private readonly Counter<long> _records = metrics.Meter.CreateCounter<long>("mlops.worker.prediction.records", "{prediction}",
        "Predictions recorded for ground truth, by model and outcome: written, dropped (the queue was full), failed (Redis refused the write).");

    public void Written(string model, int count) => Add(model, "written", count);

    public void Dropped(string model, int count) => Add(model, "dropped", count);

    public void Failed(string model, int count) => Add(model, "failed", count);

    private void Add(string model, string outcome, int count) =>
        _records.Add(count, new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("outcome", outcome));
}
