using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlopsGateway.Registry.Feedback;
using StackExchange.Redis;

namespace MlopsGateway.Worker.Predictions;

/// <summary>
/// Drains the recorder's queue into Redis every <see cref="PredictionRecordOptions.WriteInterval"/>:
/// as many queued predictions as a batch holds, in one pipelined write of a few commands
/// (<see cref="FeedbackStore.RecordAsync"/>), then the next; each version's schema
/// once, before its first predictions. On stop, once the server no longer answers, what is queued is
/// still written. A failed write is logged (once until one succeeds) and counted; it does not stop the writer.
/// </summary>
internal sealed class PredictionWriter(
    PredictionRecorder recorder, FeedbackStore store, PredictionRecordOptions options, PredictionMetrics metrics, TimeProvider time,
    ILogger<PredictionWriter> logger)
    : BackgroundService
{
    private readonly HashSet<(string, string)> _schemasWritten = [];
    private readonly List<PredictionRecord> _batch = new(options.WriteBatchSize);
    private bool _failing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queue = recorder.Queue;
        try
        {
            while (await queue.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                await WriteQueuedAsync().ConfigureAwait(false);
                // Let predictions gather: a write's few commands then carry hundreds of records, where
                // writing as soon as one is queued made batches of a handful under load.
                await Task.Delay(options.WriteInterval, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the hosts stop the server first, so nothing more is queued; what is, is written below.
        }
        recorder.Complete();
        await WriteQueuedAsync().ConfigureAwait(false);
    }

    /// <summary>Writes everything queued now, a batch at a time.</summary>
    private async Task WriteQueuedAsync()
    {
        var queue = recorder.Queue;
        while (true)
        {
            _batch.Clear();
            while (_batch.Count < options.WriteBatchSize && queue.TryRead(out var records))
            {
                _batch.AddRange(records);
            }
            if (_batch.Count == 0)
            {
                return;
            }
            await WriteAsync().ConfigureAwait(false);
        }
    }

    private async Task WriteAsync()
    {
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
            await store.RecordAsync(_batch, options.Ttl).ConfigureAwait(false);
            Count(metrics.Written);
            if (_failing)
            {
                _failing = false;
                PredictionLog.WritesResumed(logger);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Count(metrics.Failed);
            if (!_failing)
            {
                _failing = true;
                PredictionLog.WriteFailed(logger, _batch.Count, ex);
            }
        }
    }

    private void Count(Action<string, int> counter)
    {
        foreach (var group in _batch.GroupBy(r => r.Model))
        {
            counter(group.Key, group.Count());
        }
    }
}
