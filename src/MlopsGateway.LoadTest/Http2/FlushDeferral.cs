namespace MlopsGateway.LoadTest.Http2;

/// <summary>
/// While a read loop works through one read's frames, the callers it completes run on its thread and
/// send their next calls at once; their connections' flushes wait here until the frames are done, so
/// the calls of one read go out in one write per connection instead of one write each.
/// </summary>
internal static class FlushDeferral
{
    // Per thread: each read loop batches its own frames.
    [ThreadStatic]
    private static int s_depth;

    // Per thread: each read loop batches its own frames.
    [ThreadStatic]
    private static List<H2Connection>? s_waiting;

    // Per thread: the connection whose read loop runs here, so a caller it completes can stay on it.
    [ThreadStatic]
    private static H2Connection? s_reading;

    /// <summary>The connection whose read loop is completing calls on this thread now; null elsewhere.</summary>
    public static H2Connection? Reading => s_depth > 0 ? s_reading : null;

    public static void Enter() => s_depth++;

    /// <summary>Enters a read loop's batch of frames.</summary>
    public static void Enter(H2Connection reading)
    {
        s_depth++;
        s_reading = reading;
    }

    /// <summary>Whether the flush was deferred (the caller is inside a batch); the connection is then flushed at its end.</summary>
    public static bool TryDefer(H2Connection connection)
    {
        if (s_depth == 0)
        {
            return false;
        }
        (s_waiting ??= []).Add(connection);
        return true;
    }

    public static void Exit()
    {
        if (--s_depth > 0)
        {
            return;
        }
        s_reading = null;
        if (s_waiting is not { Count: > 0 } waiting)
        {
            return;
        }
        // Flushing starts writes only; completions it may cause run later, on another read.
        for (var i = 0; i < waiting.Count; i++)
        {
            waiting[i].FlushDeferred();
        }
        waiting.Clear();
    }
}
