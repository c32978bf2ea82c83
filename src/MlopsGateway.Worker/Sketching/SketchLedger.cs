using Microsoft.Extensions.Logging;
using MlopsGateway.Monitoring.Sketches;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Drift;
using StackExchange.Redis;

namespace MlopsGateway.Worker.Sketching;

/// <summary>
/// The counts taken from the sketches and not yet in Redis: written together at each flush, kept when
/// Redis does not take them (at most <c>maxPending</c> takes; the oldest go first), logged once per outage.
/// </summary>
internal sealed class SketchLedger(int maxPending, SketchMetrics metrics, ILogger logger)
{
    private readonly List<WindowCounts> _pending = [];
    private readonly Dictionary<VersionSketch, DateTimeOffset> _since = [];
    private bool _failing;

    /// <summary>Whether the last write reached Redis.</summary>
    public bool Reachable => !_failing;

    /// <summary>Takes what <paramref name="sketch"/> counted since its last take (or since it was first seen) into the ledger.</summary>
    public void Take(VersionSketch? sketch, DateTimeOffset now)
    {
        if (sketch is null)
        {
            return;
        }
        var since = _since.GetValueOrDefault(sketch, now);
        _since[sketch] = now;
        var counts = sketch.Take(since, now);
        if (counts.Rows > 0)
        {
            _pending.Add(counts);
        }
        if (_pending.Count > maxPending)
        {
            var dropped = _pending.Take(_pending.Count - maxPending).Sum(c => c.Rows);
            _pending.RemoveRange(0, _pending.Count - maxPending);
            metrics.Dropped(dropped);
            SketchLog.Dropped(logger, dropped, maxPending);
        }
        metrics.Pending(_pending.Count);
    }

    /// <summary>Counts of <paramref name="sketch"/> start at <paramref name="now"/>.</summary>
    public void Start(VersionSketch? sketch, DateTimeOffset now)
    {
        if (sketch is not null)
        {
            _since.TryAdd(sketch, now);
        }
    }

    /// <summary>Forgets a sketch that will not be taken again.</summary>
    public void Forget(VersionSketch? sketch)
    {
        if (sketch is not null)
        {
            _since.Remove(sketch);
        }
    }

    /// <summary>Writes every pending count in one transaction; on failure keeps them for the next call.</summary>
    public async Task WriteAsync(DriftCountStore store)
    {
        if (_pending.Count == 0)
        {
            return;
        }
        try
        {
            await store.AddAsync(_pending).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            metrics.FlushFailed();
            if (!_failing)
            {
                _failing = true;
                SketchLog.RedisUnavailable(logger, ex.Message, maxPending);
            }
            return;
        }
        foreach (var counts in _pending)
        {
            metrics.Flushed(counts.Model, counts.Version, counts.Rows);
        }
        if (_failing)
        {
            _failing = false;
            SketchLog.RedisBack(logger, _pending.Count);
        }
        _pending.Clear();
        metrics.Pending(0);
    }
}
