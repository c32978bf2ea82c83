using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlopsGateway.Registry.Feedback;
using StackExchange.Redis;

namespace MlopsGateway.Worker.Predictions;

/// <summary>
/// Writes the recorder's predictions into Redis every <see cref="PredictionRecordOptions.WriteInterval"/>:
/// it takes the batch filled so far (the recorder fills the other meanwhile) and writes it in one
/// pipelined write of a few commands (<see cref="FeedbackStore.RecordAsync(PredictionBatch, TimeSpan)"/>);
/// each version's schema once, before its first predictions. Idle, it waits for the first prediction.
/// On stop, once the server no longer answers, what is recorded is still written. A failed write is
/// logged (once until one succeeds) and counted; it does not stop the writer.
/// </summary>
internal sealed class PredictionWriter(
    PredictionRecorder recorder, FeedbackStore store, PredictionRecordOptions options, PredictionMetrics metrics, TimeProvider time,
    ILogger<PredictionWriter> logger)
    : BackgroundService
{
    private readonly HashSet<(string, string)> _schemasWritten = [];
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private bool _failing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                await recorder.WaitForRecordsAsync(stoppingToken).ConfigureAwait(false);
                await WriteTakenAsync().ConfigureAwait(false);
                // Let predictions gather: a write's few commands then carry hundreds of records, where
                // writing as soon as one is recorded made batches of a handful under load.
                await Task.Delay(options.WriteInterval, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the hosts stop the server first, so nothing more is recorded; what is, is written below.
        }
        recorder.Complete();
        await WriteTakenAsync().ConfigureAwait(false);
    }

    /// <summary>Writes the batch filled so far, and gives it back to be filled again.</summary>
    private async Task WriteTakenAsync()
    {
        var batch = recorder.Take();
        try
        {
            if (batch.Count > 0)
            {
                await WriteAsync(batch).ConfigureAwait(false);
            }
        }
        finally
        {
            recorder.Return(batch);
        }
    }

    private async Task WriteAsync(PredictionBatch batch)
    {
        Count(batch);
        try
        {
            foreach (var schema in recorder.Schemas())
            {
                if (!_schemasWritten.Contains((schema.Model, schema.Version)))
                {
                    await store.SetSchemaAsync(schema).ConfigureAwait(false);
                    _schemasWritten.Add((schema.Model, schema.Version));
                }
            }
            await store.RecordAsync(batch, options.Ttl).ConfigureAwait(false);
            Report(metrics.Written);
            if (_failing)
            {
                _failing = false;
                PredictionLog.WritesResumed(logger);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Report(metrics.Failed);
            if (!_failing)
            {
                _failing = true;
                PredictionLog.WriteFailed(logger, batch.Count, ex);
            }
        }
    }

    // The batch's predictions by model (a batch holds a model's, or a few models').
    private void Count(PredictionBatch batch)
    {
        _counts.Clear();
        batch.CountByModel(_counts);
    }

    private void Report(Action<string, int> counter)
    {
        foreach (var (model, count) in _counts)
        {
            counter(model, count);
        }
    }
}
