using Grpc.Core;
using MlopsGateway.LoadTest.Internal;

namespace MlopsGateway.LoadTest.Http2;

/// <summary>
/// One HTTP/2 connection of the load client, as h2load keeps one: callers only queue their call
/// (<see cref="TrySend"/>); whoever finds no flush running writes every queued stream's frames in
/// one socket write (<c>Writing</c>); one read loop parses the frames and completes the calls on its
/// own thread (<c>Reading</c>). It opens streams up to the server's SETTINGS_MAX_CONCURRENT_STREAMS
/// and sends within its windows; after a GOAWAY it takes no new calls and closes once its streams
/// are done; when lost, every call on it fails as UNAVAILABLE.
/// </summary>
internal sealed partial class H2Connection : IDisposable
{
    private readonly Lock _sync = new();
    private readonly Http2ClientOptions _options;
    private readonly Queue<H2Call> _pending = new();
    private readonly Dictionary<int, H2Call> _active = [];
    private ConnectionState _state;
    private Stream? _stream;
    private bool _flushing;

    private H2Connection(Http2ClientOptions options, object owner)
    {
        _options = options;
        Owner = owner;
    }

    /// <summary>The client it belongs to.</summary>
    public object Owner { get; }

    private enum ConnectionState
    {
        Connecting,
        Ready,
        Draining,
        Closed,
    }

    /// <summary>Whether new calls may still be queued on it.</summary>
    public bool TakesCalls => _state is ConnectionState.Connecting or ConnectionState.Ready;

    /// <summary>Whether it is closed for good.</summary>
    public bool IsClosed => _state == ConnectionState.Closed;

    /// <summary>Streams open now (for tests: the server's limit is kept).</summary>
    public int OpenStreams
    {
        get
        {
            lock (_sync)
            {
                return _active.Count;
            }
        }
    }

    /// <summary>The most streams that were open at once.</summary>
    public int MostOpenStreams { get; private set; }

    /// <summary>Opens a connection; calls may be queued at once and go out when the server's SETTINGS arrive.</summary>
    public static H2Connection Open(Http2ClientOptions options, object owner)
    {
        var connection = new H2Connection(options, owner);
        // On the pool, not the caller's stack: a refused connect fails its calls at once, and their
        // callers' next calls would open the next connection deeper in the same stack.
        _ = Task.Run(connection.RunAsync);
        return connection;
    }

    /// <summary>Queues a call; false when the connection takes no more (draining or closed): use another.</summary>
    public bool TrySend(H2Call call)
    {
        bool flush;
        lock (_sync)
        {
            if (!TakesCalls)
            {
                return false;
            }
            _pending.Enqueue(call);
            flush = ClaimFlushLocked();
        }
        if (flush)
        {
            _ = FlushLoopAsync();
        }
        return true;
    }

    /// <summary>Fails the calls whose deadline passed or whose run was stopped, resetting their streams.</summary>
    public void Expire(long now)
    {
        List<H2Call>? expired = null;
        bool flush;
        lock (_sync)
        {
            if (_active.Count == 0 && _pending.Count == 0)
            {
                return;
            }
            foreach (var call in _active.Values)
            {
                if (call.Deadline <= now || call.Cancellation.IsCancellationRequested)
                {
                    (expired ??= []).Add(call);
                }
            }
            foreach (var call in expired ?? [])
            {
                RemoveLocked(call);
                AppendRstStreamLocked(call.StreamId, Http2Protocol.Cancel);
            }
            for (var i = _pending.Count; i > 0; i--)
            {
                var call = _pending.Dequeue();
                if (call.Deadline <= now || call.Cancellation.IsCancellationRequested)
                {
                    (expired ??= []).Add(call);
                }
                else
                {
                    _pending.Enqueue(call);
                }
            }
            if (expired is null)
            {
                return;
            }
            flush = ClaimFlushLocked();
        }
        if (flush)
        {
            _ = FlushLoopAsync();
        }
        CloseIfDrained();
        FlushDeferral.Enter();
        try
        {
            foreach (var call in expired)
            {
                if (call.Cancellation.IsCancellationRequested)
                {
                    call.Fail(new OperationCanceledException(call.Cancellation));
                }
                else
                {
                    call.Fail(GrpcAnswer.DeadlineExceeded);
                }
            }
        }
        finally
        {
            FlushDeferral.Exit();
        }
    }

    /// <summary>Closes the connection; the calls on it fail as UNAVAILABLE.</summary>
    public void Dispose() => Close(new Status(StatusCode.Unavailable, "The load client was closed."));

    /// <summary>Ends the connection and fails every call still on it with <paramref name="status"/>.</summary>
    private void Close(Status status)
    {
        List<H2Call> failed;
        Stream? stream;
        lock (_sync)
        {
            if (_state == ConnectionState.Closed)
            {
                return;
            }
            _state = ConnectionState.Closed;
            failed = [.. _active.Values, .. _pending];
            _active.Clear();
            _pending.Clear();
            _sendingData.Clear();
            stream = _stream;
        }
        stream?.Dispose();
        FlushDeferral.Enter();
        try
        {
            foreach (var call in failed)
            {
                call.Fail(status);
            }
        }
        finally
        {
            FlushDeferral.Exit();
        }
    }

    // A draining connection is closed once its last stream is done.
    private void CloseIfDrained()
    {
        bool drained;
        lock (_sync)
        {
            drained = _state == ConnectionState.Draining && _active.Count == 0;
        }
        if (drained)
        {
            Close(new Status(StatusCode.Unavailable, "The server closed the connection (GOAWAY)."));
        }
    }

    private void RemoveLocked(H2Call call)
    {
        _active.Remove(call.StreamId);
        if (_sendingData.Count > 0)
        {
            _sendingData.Remove(call);
        }
    }
}
