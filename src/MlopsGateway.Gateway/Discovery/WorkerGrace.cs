using System.Collections.Concurrent;
using MlopsGateway.Registry;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>
/// Which workers a snapshot holds: those read now, plus those read before whose record is missing
/// now, judged by the gateway's own health checks of them. One that still answers stays until its
/// record is back, for at most <c>holdLimit</c>: a Redis failover or restart can lose or expire the
/// records of live workers before they reach the new master, and refusing calls as "no worker
/// registered" while those workers serve would be worse than a late record. One that fails its
/// checks goes at once; one never judged (not ready, or not probed yet) stays for the grace period
/// only. A worker that announced leaving (a drain) goes at once whatever its checks say, and one
/// whose address a newer record holds is gone from there. Not thread-safe except
/// <see cref="Departed"/>: one merge at a time.
/// </summary>
/// <param name="period">How long a missing worker nobody has judged stays.</param>
/// <param name="holdLimit">How long a missing worker that answers its health checks stays, at most.</param>
/// <param name="probe">What the health checks say of a worker now.</param>
internal sealed class WorkerGrace(TimeSpan period, TimeSpan holdLimit, Func<WorkerRecord, WorkerProbe> probe)
{
    private readonly Dictionary<string, Seen> _seen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _departed = new(StringComparer.Ordinal);

    /// <summary>The worker <paramref name="id"/> announced leaving: the next merge drops it at once.</summary>
    public void Departed(string id) => _departed[id] = 0;

    /// <summary>The workers to serve after reading <paramref name="read"/> at <paramref name="now"/>, by id, and what changed for those whose record is missing.</summary>
    public WorkerMerge Merge(IReadOnlyList<WorkerRecord> read, DateTimeOffset now)
    {
        var changes = new List<WorkerHoldChange>();
        foreach (var id in _departed.Keys)
        {
            _departed.TryRemove(id, out _);
            if (_seen.Remove(id, out var gone) && gone.Held)
            {
                changes.Add(new WorkerHoldChange(gone.Record, WorkerHoldOutcome.Departed, now - gone.SeenAt, WasHeld: true));
            }
        }
        var readIds = new HashSet<string>(StringComparer.Ordinal);
        var addresses = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var worker in read)
        {
            if (_seen.TryGetValue(worker.Id, out var was) && was.Held)
            {
                changes.Add(new WorkerHoldChange(worker, WorkerHoldOutcome.RecordBack, now - was.SeenAt, WasHeld: true));
            }
            _seen[worker.Id] = new Seen(worker, now, Held: false);
            readIds.Add(worker.Id);
            addresses.Add(worker.Address.TrimEnd('/'));
        }
        var held = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, entry) in _seen.ToArray())
        {
            if (readIds.Contains(id))
            {
                continue;
            }
            var missing = now - entry.SeenAt;
            if (Judge(entry.Record, missing, addresses) is { } dropped)
            {
                _seen.Remove(id);
                changes.Add(new WorkerHoldChange(entry.Record, dropped, missing, entry.Held));
                continue;
            }
            if (!entry.Held)
            {
                _seen[id] = entry with { Held = true };
                changes.Add(new WorkerHoldChange(entry.Record, WorkerHoldOutcome.Held, missing, WasHeld: false));
            }
            held.Add(id);
        }
        var workers = _seen.Values.Select(e => e.Record).OrderBy(w => w.Id, StringComparer.Ordinal).ToArray();
        return new WorkerMerge(workers, held, changes);
    }

    /// <summary>Why a worker missing for <paramref name="missing"/> goes now, or null when it stays.</summary>
    private WorkerHoldOutcome? Judge(WorkerRecord worker, TimeSpan missing, HashSet<string> readAddresses)
    {
        if (readAddresses.Contains(worker.Address.TrimEnd('/')))
        {
            // Another worker registered at its address: whatever answers there now is not this one.
            return WorkerHoldOutcome.AddressTaken;
        }
        return probe(worker) switch
        {
            WorkerProbe.NotAnswering => WorkerHoldOutcome.NotAnswering,
            WorkerProbe.Answering when missing > holdLimit => WorkerHoldOutcome.LimitReached,
            WorkerProbe.Answering => null,
            _ when missing > period => WorkerHoldOutcome.Unjudged,
            _ => null,
        };
    }

    private readonly record struct Seen(WorkerRecord Record, DateTimeOffset SeenAt, bool Held);
}

/// <summary>What the gateway's active health checks say of a worker.</summary>
internal enum WorkerProbe
{
    /// <summary>Not judged: not in any cluster (not ready), or not probed yet.</summary>
    Unknown,

    /// <summary>Its last probes passed.</summary>
    Answering,

    /// <summary>Its probes failed (it died, or it drains).</summary>
    NotAnswering,
}

/// <summary>The outcome of one merge: the workers, those of them served without a record, and what changed for those.</summary>
internal sealed record WorkerMerge(IReadOnlyList<WorkerRecord> Workers, IReadOnlySet<string> Held, IReadOnlyList<WorkerHoldChange> Changes);

/// <summary>
/// What happened to <paramref name="Worker"/>, whose record had been missing for <paramref name="Missing"/>;
/// <paramref name="WasHeld"/>: it had been kept without its record until now.
/// </summary>
internal readonly record struct WorkerHoldChange(WorkerRecord Worker, WorkerHoldOutcome Outcome, TimeSpan Missing, bool WasHeld);

/// <summary>What became of a worker whose record went missing.</summary>
internal enum WorkerHoldOutcome
{
    /// <summary>Kept without its record.</summary>
    Held,

    /// <summary>Its record is back (it registered again).</summary>
    RecordBack,

    /// <summary>Dropped: it fails its health checks.</summary>
    NotAnswering,

    /// <summary>Dropped: it answered, but its record stayed missing longer than the limit.</summary>
    LimitReached,

    /// <summary>Dropped: never judged by a health check, and missing past the grace period.</summary>
    Unjudged,

    /// <summary>Dropped: another worker's record holds its address.</summary>
    AddressTaken,

    /// <summary>Dropped: it announced leaving.</summary>
    Departed,
}
