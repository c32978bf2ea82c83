using System.Net.Sockets;
using Grpc.Core;

namespace MlopsGateway.LoadTest.Http2;

/// <summary>The connection's sending side: one flush at a time writes everything queued in one socket write.</summary>
internal sealed partial class H2Connection
{
    // Enough for a few hundred small calls per write, without one write holding the rest back long.
    private const int FlushLimit = 256 * 1024;
    private const int LastStreamId = int.MaxValue;

    // Streams whose body is still partly unsent, waiting for window.
    private readonly List<H2Call> _sendingData = [];
    private byte[] _control = new byte[256];
    private int _controlLength;
    private byte[] _writeBuffer = new byte[16 * 1024];
    private int _nextStreamId = 1;
    private long _maxStreams = uint.MaxValue;
    private long _peerInitialWindow = Http2Protocol.DefaultWindow;
    private int _peerMaxFrame = Http2Protocol.DefaultMaxFrameSize;
    private long _sendWindow = Http2Protocol.DefaultWindow;

    /// <summary>Called by <see cref="FlushDeferral"/> at the end of a read's frames.</summary>
    public void FlushDeferred()
    {
        bool flush;
        lock (_sync)
        {
            flush = !_flushing && _state is ConnectionState.Ready or ConnectionState.Draining;
            _flushing |= flush;
        }
        if (flush)
        {
            _ = FlushLoopAsync();
        }
    }

    // True when the caller must start the flush; false when one runs, the connection is not ready, or the read loop will.
    private bool ClaimFlushLocked()
    {
        if (_flushing || _state is not (ConnectionState.Ready or ConnectionState.Draining) || FlushDeferral.TryDefer(this))
        {
            return false;
        }
        _flushing = true;
        return true;
    }

    private async Task FlushLoopAsync()
    {
        try
        {
            while (true)
            {
                int length;
                lock (_sync)
                {
                    length = _state == ConnectionState.Closed ? 0 : FillLocked();
                    if (length == 0)
                    {
                        _flushing = false;
                        return;
                    }
                }
                await _stream!.WriteAsync(_writeBuffer.AsMemory(0, length)).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            lock (_sync)
            {
                _flushing = false;
            }
            Close(new Status(StatusCode.Unavailable, $"The connection was lost while sending: {ex.Message}"));
        }
    }

    // Control frames first, then bodies that waited for window, then new streams while the server's limit allows.
    private int FillLocked()
    {
        var at = 0;
        if (_controlLength > 0)
        {
            _control.AsSpan(0, _controlLength).CopyTo(Reserve(ref at, _controlLength));
            _controlLength = 0;
        }
        for (var i = 0; i < _sendingData.Count && at < FlushLimit && _sendWindow > 0;)
        {
            if (SendBodyLocked(_sendingData[i], ref at))
            {
                _sendingData.RemoveAt(i);
            }
            else
            {
                i++;
            }
        }
        while (_pending.Count > 0 && _active.Count < _maxStreams && at < FlushLimit && _state == ConnectionState.Ready)
        {
            var call = _pending.Dequeue();
            call.StreamId = _nextStreamId;
            call.SendWindow = _peerInitialWindow;
            _active.Add(call.StreamId, call);
            MostOpenStreams = Math.Max(MostOpenStreams, _active.Count);
            var block = call.Request.HeaderBlock;
            var headerAt = at;
            Reserve(ref at, Http2Protocol.FrameHeaderLength + block.Length);
            Http2Protocol.WriteFrameHeader(_writeBuffer.AsSpan(headerAt), block.Length, Http2Protocol.Headers,
                call.Request.Body.Length == 0 ? (byte)(Http2Protocol.EndHeaders | Http2Protocol.EndStream) : Http2Protocol.EndHeaders, call.StreamId);
            block.CopyTo(_writeBuffer.AsSpan(headerAt + Http2Protocol.FrameHeaderLength));
            if (!SendBodyLocked(call, ref at))
            {
                _sendingData.Add(call);
            }
            if (_nextStreamId >= LastStreamId - 2)
            {
                // Stream ids used up (2^30 calls): the next calls go to a new connection.
                _state = ConnectionState.Draining;
                FailPendingLocked();
                break;
            }
            _nextStreamId += 2;
        }
        return at;
    }

    // Writes as much of the call's body as the windows and frame size allow; true when all of it is out.
    private bool SendBodyLocked(H2Call call, ref int at)
    {
        var body = call.Request.Body;
        while (call.BodySent < body.Length)
        {
            var chunk = (int)Math.Min(Math.Min(body.Length - call.BodySent, _peerMaxFrame), Math.Min(call.SendWindow, _sendWindow));
            if (chunk <= 0 || at >= FlushLimit)
            {
                return false;
            }
            var headerAt = at;
            Reserve(ref at, Http2Protocol.FrameHeaderLength + chunk);
            var last = call.BodySent + chunk == body.Length;
            Http2Protocol.WriteFrameHeader(_writeBuffer.AsSpan(headerAt), chunk, Http2Protocol.Data, last ? Http2Protocol.EndStream : (byte)0, call.StreamId);
            body.AsSpan(call.BodySent, chunk).CopyTo(_writeBuffer.AsSpan(headerAt + Http2Protocol.FrameHeaderLength));
            call.BodySent += chunk;
            call.SendWindow -= chunk;
            _sendWindow -= chunk;
        }
        return true;
    }

    // Grows the write buffer for `length` more bytes at `at`, and moves `at` past them.
    private Span<byte> Reserve(ref int at, int length)
    {
        if (_writeBuffer.Length < at + length)
        {
            Array.Resize(ref _writeBuffer, Math.Max(at + length, _writeBuffer.Length * 2));
        }
        at += length;
        return _writeBuffer.AsSpan(at - length, length);
    }

    private void AppendControlLocked(ReadOnlySpan<byte> frame)
    {
        if (_control.Length < _controlLength + frame.Length)
        {
            Array.Resize(ref _control, Math.Max(_controlLength + frame.Length, _control.Length * 2));
        }
        frame.CopyTo(_control.AsSpan(_controlLength));
        _controlLength += frame.Length;
    }

    private void AppendRstStreamLocked(int streamId, uint errorCode)
    {
        Span<byte> frame = stackalloc byte[Http2Protocol.FrameHeaderLength + 4];
        Http2Protocol.WriteRstStream(frame, streamId, errorCode);
        AppendControlLocked(frame);
    }

    private void AppendWindowUpdateLocked(int streamId, int increment)
    {
        Span<byte> frame = stackalloc byte[Http2Protocol.FrameHeaderLength + 4];
        Http2Protocol.WriteWindowUpdate(frame, streamId, increment);
        AppendControlLocked(frame);
    }

    // Calls queued but never sent on this connection: they fail as UNAVAILABLE, as gRPC fails calls a GOAWAY refused.
    private void FailPendingLocked()
    {
        if (_pending.Count == 0)
        {
            return;
        }
        var refused = _pending.ToArray();
        _pending.Clear();
        // Completed outside the lock, on the pool: their continuations would otherwise run under it.
        ThreadPool.UnsafeQueueUserWorkItem(static calls =>
        {
            foreach (var call in calls)
            {
                call.Fail(new Status(StatusCode.Unavailable, "The server closed the connection (GOAWAY) before the call was sent."));
            }
        }, refused, preferLocal: false);
    }
}
