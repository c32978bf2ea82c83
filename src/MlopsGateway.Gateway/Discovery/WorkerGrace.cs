using System.Collections.Concurrent;
using MlopsGateway.Registry;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>
/// Which workers a snapshot holds: those read now, plus those read before and missing now for at
/// most the grace period, unless they announced leaving. A Redis restart that lost the records must
/// not empty the pool before the workers' next heartbeat; a dead worker kept this way fails its
/// health checks. Not thread-safe except <see cref="Departed"/>: one merge at a time.
/// </summary>
internal sealed class WorkerGrace(TimeSpan period)
{
    private readonly Dictionary<string, (WorkerRecord Record, DateTimeOffset SeenAt)> _seen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _departed = new(StringComparer.Ordinal);

    /// <summary>The worker <paramref name="id"/> announced leaving: the next merge drops it at once.</summary>
    public void Departed(string id) => _departed[id] = 0;

    /// <summary>The workers to serve after reading <paramref name="read"/> at <paramref name="now"/>, by id.</summary>
    public IReadOnlyList<WorkerRecord> Merge(IReadOnlyList<WorkerRecord> read, DateTimeOffset now)
    {
        foreach (var id in _departed.Keys)
        {
            _departed.TryRemove(id, out _);
            _seen.Remove(id);
        }
        foreach (var worker in read)
        {
            _seen[worker.Id] = (worker, now);
        }
        foreach (var (id, entry) in _seen.ToArray())
        {
            if (now - entry.SeenAt > period)
            {
                _seen.Remove(id);
            }
        }
        return _seen.Values.Select(e => e.Record).OrderBy(w => w.Id, StringComparer.Ordinal).ToArray();
    }
}
