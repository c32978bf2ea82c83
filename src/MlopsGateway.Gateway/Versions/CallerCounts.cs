using System.Collections.Concurrent;

namespace MlopsGateway.Gateway.Versions;

/// <summary>
/// Calls to deprecated versions counted per (model, version, caller) in memory, on the request path
/// without I/O or locks; <see cref="CallerFlush"/> takes what accumulated every few seconds and merges
/// it into Redis. The set of entries is bounded by the deprecated versions times the callers.
/// </summary>
internal sealed class CallerCounts
{
    private readonly ConcurrentDictionary<(string Model, string Version, string Caller), Counter> _counters = new();

    /// <summary>Counts one call by <paramref name="caller"/> (a key id) at <paramref name="unixMilliseconds"/>.</summary>
    public void Record(string model, string version, string caller, long unixMilliseconds)
    {
        var counter = _counters.GetOrAdd((model, version, caller), static _ => new Counter());
        Interlocked.Increment(ref counter.Count);
        // Last writer wins within a flush; seen times only move forward.
        long seen;
        while ((seen = Volatile.Read(ref counter.LastSeen)) < unixMilliseconds
            && Interlocked.CompareExchange(ref counter.LastSeen, unixMilliseconds, seen) != seen)
        {
        }
    }

    /// <summary>Takes every count made since the last take (each counter back to zero).</summary>
    public IReadOnlyList<CallerCount> Take()
    {
        var taken = new List<CallerCount>();
        foreach (var (key, counter) in _counters)
        {
            var count = Interlocked.Exchange(ref counter.Count, 0);
            if (count > 0)
            {
                taken.Add(new CallerCount(key.Model, key.Version, key.Caller, count, Volatile.Read(ref counter.LastSeen)));
            }
        }
        return taken;
    }

    /// <summary>Gives back counts that could not be written, so that the next flush carries them.</summary>
    public void Return(IEnumerable<CallerCount> counts)
    {
        foreach (var count in counts)
        {
            var counter = _counters.GetOrAdd((count.Model, count.Version, count.Caller), static _ => new Counter());
            Interlocked.Add(ref counter.Count, count.Count);
        }
    }

    private sealed class Counter
    {
        public long Count;
        public long LastSeen;
    }
}

/// <summary>Calls by one caller to one version since the last flush, and when it last called.</summary>
internal readonly record struct CallerCount(string Model, string Version, string Caller, long Count, long LastSeen);
