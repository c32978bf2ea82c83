using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MlopsGateway.Worker.Sketching;

/// <summary>
/// The sketches' instruments, on the worker's meter: rows written to Redis, flushes that failed,
/// rows dropped after Redis was away too long, and flushes held for the next try.
/// </summary>
internal sealed class SketchMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _flushed;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _dropped;
    private int _pending;

    public SketchMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(WorkerMetrics.MeterName) ?? new Meter(WorkerMetrics.MeterName);
        _flushed = _meter.CreateCounter<long>("mlops.worker.sketch.rows.flushed", "{row}", "Rows whose drift counts were written to Redis, by model and version.");
        _failures = _meter.CreateCounter<long>("mlops.worker.sketch.flush.failures", "{flush}", "Flushes of drift counts Redis did not take (kept for the next).");
        _dropped = _meter.CreateCounter<long>("mlops.worker.sketch.rows.dropped", "{row}", "Rows whose drift counts were dropped because Redis was away too long.");
        _meter.CreateObservableGauge("mlops.worker.sketch.flush.pending", () => Volatile.Read(ref _pending), "{flush}", "Flushes of drift counts waiting for Redis.");
    }

    public void Flushed(string model, string version, long rows) =>
        _flushed.Add(rows, new TagList { { "model", model }, { "version", version } });

    public void FlushFailed() => _failures.Add(1);

    public void Dropped(long rows) => _dropped.Add(rows);

    public void Pending(int flushes) => Volatile.Write(ref _pending, flushes);

    public void Dispose() => _meter.Dispose();
}
