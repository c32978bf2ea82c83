using System.Diagnostics.Metrics;
using System.Diagnostics;
using MlopsGateway.Monitoring;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Worker;

/// <summary>
/// The worker's instruments, per model and version: requests by status, queue and compute time,
/// time to answer, rows per ONNX Runtime run, and queue depth. Exported as <c>mlops_worker_*</c> in Prometheus format.
/// </summary>
internal sealed class WorkerMetrics : IDisposable
{
    /// <summary>The meter's name, registered with OpenTelemetry.</summary>
    public const string MeterName = "MlopsGateway.Worker";

    private static readonly IReadOnlyList<long> s_rowBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _queueDuration;
    private readonly Histogram<double> _computeDuration;
    private readonly Histogram<long> _batchSize;

    public WorkerMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _requests = _meter.CreateCounter<long>("mlops.worker.requests", "{request}", "Inference requests answered, by model, version and gRPC status.");
        _requestDuration = _meter.CreateHistogram("mlops.worker.request.duration", "s",
            "Time from a successful inference request reaching the service to its answer: validation, queue, run and encoding.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets.Seconds });
        _queueDuration = _meter.CreateHistogram("mlops.worker.queue.duration", "s",
            "Time a request waited in its model's queue before its batch ran.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets.Seconds });
        _computeDuration = _meter.CreateHistogram("mlops.worker.compute.duration", "s",
            "Time of one ONNX Runtime run (one batch), including copying inputs in and outputs out.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets.Seconds });
        _batchSize = _meter.CreateHistogram("mlops.worker.batch.size", "{row}",
            "Rows in one ONNX Runtime run.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = s_rowBuckets });
    }

    /// <summary>The underlying meter.</summary>
    public Meter Meter => _meter;

    /// <summary>
    /// Observes <paramref name="repository"/>: queue depth per version, and one
    /// <c>mlops_worker_model_info</c> series per loaded version naming its execution provider.
    /// </summary>
    public void Observe(ModelRepository repository)
    {
        _meter.CreateObservableGauge("mlops.worker.queue.depth", () => repository.All.Select(v =>
            new Measurement<int>(v.Batcher.QueueDepth, new KeyValuePair<string, object?>("model", v.Name), new KeyValuePair<string, object?>("version", v.Version))),
            "{request}", "Requests waiting in a model version's queue.");
        _meter.CreateObservableGauge("mlops.worker.model.info", () => repository.All.Select(v =>
            new Measurement<int>(1,
                new KeyValuePair<string, object?>("model", v.Name),
                new KeyValuePair<string, object?>("version", v.Version),
                new KeyValuePair<string, object?>("execution_provider", v.ExecutionProvider),
                new KeyValuePair<string, object?>("max_batch_size", v.Batching.Enabled ? v.Batching.MaxBatchSize : 0))),
            null, "Loaded model versions, with their execution provider and batch limit.");
    }

    /// <summary>Counts one answered request, and times it when it succeeded.</summary>
    public void RequestCompleted(string model, string version, string status, TimeSpan duration)
    {
        _requests.Add(1, new TagList { { "model", model }, { "version", version }, { "status", status } });
        if (status == "OK")
        {
            _requestDuration.Record(duration.TotalSeconds, new TagList { { "model", model }, { "version", version } });
        }
    }

    /// <summary>Records how long a request queued.</summary>
    public void Queued(string model, string version, TimeSpan wait) =>
        _queueDuration.Record(wait.TotalSeconds, new TagList { { "model", model }, { "version", version } });

    /// <summary>Records one run: its duration and its rows.</summary>
    public void Ran(string model, string version, TimeSpan duration, long rows)
    {
        var tags = new TagList { { "model", model }, { "version", version } };
        _computeDuration.Record(duration.TotalSeconds, tags);
        _batchSize.Record(rows, tags);
    }

    public void Dispose() => _meter.Dispose();
}
