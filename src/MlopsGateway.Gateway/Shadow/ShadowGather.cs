namespace MlopsGateway.Gateway.Shadow;

/// <summary>
/// One stream's gather window: how long the first copy queued waits for others to go out with it,
/// cut short once <see cref="ShadowBatch.MaxRows"/> copies are queued (a full message of one-row
/// copies). A window of zero sends each copy at once. Time passes only through the given <see cref="TimeProvider"/>.
/// </summary>
internal sealed class ShadowGather(TimeSpan window, TimeProvider time)
{
    // Completed when the queue holds a full message's worth of copies during a window.
    private TaskCompletionSource? _full;
    // Copies in the queue (the single-reader channel cannot count them).
    private int _queued;

    /// <summary>Whether copies wait for others at all.</summary>
    public bool Gathers => window > TimeSpan.Zero;

    /// <summary>A copy was queued: a full message's worth ends the window now rather than hold them longer.</summary>
    public void Queued()
    {
        if (Interlocked.Increment(ref _queued) >= ShadowBatch.MaxRows)
        {
            Volatile.Read(ref _full)?.TrySetResult();
        }
    }

    /// <summary>A copy was taken from the queue.</summary>
    public void Claimed() => Interlocked.Decrement(ref _queued);

    /// <summary>Waits out the window, or less once a full message's worth of copies is queued.</summary>
    public async Task WaitAsync(CancellationToken stop)
    {
        if (!Gathers)
        {
            return;
        }
        var full = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _full, full);
        if (Volatile.Read(ref _queued) >= ShadowBatch.MaxRows)
        {
            return;
        }
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var elapsed = Task.Delay(window, time, cancel.Token);
        if (await Task.WhenAny(elapsed, full.Task).ConfigureAwait(false) == full.Task)
        {
            // Frees the window's timer now rather than when it would have fired.
            cancel.Cancel();
        }
        stop.ThrowIfCancellationRequested();
    }
}
