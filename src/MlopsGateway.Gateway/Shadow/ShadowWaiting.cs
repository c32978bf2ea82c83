using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Inference;

namespace MlopsGateway.Gateway.Shadow;

/// <summary>
/// The messages of one <see cref="ShadowStream"/> that wait for an answer, by request id, and the two
/// ways of giving up on them: expiry (queued too long ago) and the call they were sent on closing.
/// A message leaves exactly once: taken for its answer, or failed here, each of its copies reported once.
/// </summary>
internal sealed class ShadowWaiting(Action<ShadowWork, ModelStreamInferResponse?, string?> done, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, ShadowPending> _pending = new(StringComparer.Ordinal);

    /// <summary>Copies queued or sent and not yet answered.</summary>
    public int Copies => _pending.Values.Sum(p => p.Works.Length);

    public void Add(string id, ShadowPending pending) => _pending[id] = pending;

    public bool TryTake(string id, [MaybeNullWhen(false)] out ShadowPending pending) => _pending.TryRemove(id, out pending);

    /// <summary>
    /// Fails the messages whose first copy was queued at least <paramref name="olderThan"/> ago and
    /// that are still unanswered; returns the calls they were sent on, which the caller closes: a
    /// worker that stopped answering (or reading) must not hold the copies queued behind them.
    /// </summary>
    public List<ShadowCall>? Expire(TimeSpan olderThan, string reason)
    {
        List<ShadowCall>? stalled = null;
        foreach (var (id, pending) in _pending)
        {
            if (time.GetElapsedTime(pending.At) >= olderThan && _pending.TryRemove(id, out var expired))
            {
                Fail(expired, reason);
                if (expired.Call is { } call)
                {
                    (stalled ??= []).Add(call);
                }
            }
        }
        return stalled;
    }

    /// <summary>Fails every message still waiting on <paramref name="call"/>, which has closed.</summary>
    public void FailSentOn(ShadowCall call, string reason)
    {
        foreach (var (id, pending) in _pending)
        {
            if (pending.Call == call && _pending.TryRemove(id, out var failed))
            {
                Fail(failed, reason);
            }
        }
    }

    /// <summary>Reports each copy of a message taken from here (or never added) as not answered.</summary>
    public void Fail(ShadowPending pending, string reason)
    {
        foreach (var work in pending.Works)
        {
            // No answer says nothing about the merging: counted as not answered, so merging goes on.
            work.Retry?.Report(answered: false);
            done(work, null, reason);
        }
    }
}
