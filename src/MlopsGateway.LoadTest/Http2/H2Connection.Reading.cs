using System.Buffers.Binary;
using System.Net.Sockets;
using Grpc.Core;
using MlopsGateway.LoadTest.Http2.Hpack;

namespace MlopsGateway.LoadTest.Http2;

/// <summary>
/// The connection's read loop: parses the frames of each read in order, under the connection's lock,
/// and completes the calls whose streams ended after releasing it, on this thread.
/// </summary>
internal sealed partial class H2Connection
{
    private const int ReadBufferSize = 64 * 1024;

    private readonly HpackDecoder _hpack = new();
    private long _receivedSinceUpdate;
    // A header block split over HEADERS and CONTINUATION frames, gathered until END_HEADERS.
    private byte[] _fragments = [];
    private int _fragmentsLength;
    private int _fragmentStream;
    private bool _fragmentEndsStream;

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[ReadBufferSize];
        var start = 0;
        var end = 0;
        Status status;
        try
        {
            while (true)
            {
                var read = await _stream!.ReadAsync(buffer.AsMemory(end)).ConfigureAwait(false);
                if (read == 0)
                {
                    status = new Status(StatusCode.Unavailable, "The server closed the connection.");
                    break;
                }
                end += read;
                FlushDeferral.Enter(this);
                try
                {
                    while (end - start >= Http2Protocol.FrameHeaderLength)
                    {
                        var length = (buffer[start] << 16) | (buffer[start + 1] << 8) | buffer[start + 2];
                        if (length > Http2Protocol.DefaultMaxFrameSize)
                        {
                            throw new Http2ProtocolException(Http2Protocol.FrameSizeError, $"A frame of {length} bytes, above SETTINGS_MAX_FRAME_SIZE.");
                        }
                        if (end - start < Http2Protocol.FrameHeaderLength + length)
                        {
                            break;
                        }
                        OnFrame(buffer.AsSpan(start, Http2Protocol.FrameHeaderLength + length));
                        start += Http2Protocol.FrameHeaderLength + length;
                    }
                }
                finally
                {
                    FlushDeferral.Exit();
                }
                if (start == end)
                {
                    start = end = 0;
                }
                else if (buffer.Length - end < Http2Protocol.FrameHeaderLength + Http2Protocol.DefaultMaxFrameSize)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
            }
        }
        catch (Http2ProtocolException ex)
        {
            status = new Status(StatusCode.Internal, $"HTTP/2 error from the server ({Http2Protocol.ErrorName(ex.ErrorCode)}): {ex.Message}");
        }
        catch (HpackException ex)
        {
            status = new Status(StatusCode.Internal, $"HTTP/2 error from the server (COMPRESSION_ERROR): {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            status = new Status(StatusCode.Unavailable, $"The connection was lost: {ex.Message}");
        }
        Close(status);
    }

    private void OnFrame(ReadOnlySpan<byte> frame)
    {
        var type = frame[3];
        var flags = frame[4];
        var streamId = BinaryPrimitives.ReadInt32BigEndian(frame[5..]) & int.MaxValue;
        var payload = frame[Http2Protocol.FrameHeaderLength..];
        if (_fragmentStream != 0 && type != Http2Protocol.Continuation)
        {
            throw new Http2ProtocolException(Http2Protocol.ProtocolError, "A header block was interrupted by another frame.");
        }
        switch (type)
        {
            case Http2Protocol.Data:
                OnData(streamId, flags, payload);
                break;
            case Http2Protocol.Headers:
                OnHeaders(streamId, flags, payload);
                break;
            case Http2Protocol.Continuation:
                OnContinuation(streamId, flags, payload);
                break;
            case Http2Protocol.RstStream:
                OnRstStream(streamId, payload);
                break;
            case Http2Protocol.Settings:
                OnSettings(flags, payload);
                break;
            case Http2Protocol.Ping:
                OnPing(flags, payload);
                break;
            case Http2Protocol.GoAway:
                OnGoAway(payload);
                break;
            case Http2Protocol.WindowUpdate:
                OnWindowUpdate(streamId, payload);
                break;
            case Http2Protocol.PushPromise:
                throw new Http2ProtocolException(Http2Protocol.ProtocolError, "PUSH_PROMISE although SETTINGS_ENABLE_PUSH is 0.");
            default:
                // PRIORITY and unknown types are ignored (section 5.5).
                break;
        }
    }

    private void OnData(int streamId, byte flags, ReadOnlySpan<byte> payload)
    {
        H2Call? finished = null;
        bool flush;
        lock (_sync)
        {
            // The whole payload, padding included, counts against the windows (section 6.9.1), of streams no longer waited for too.
            _receivedSinceUpdate += payload.Length;
            if (_receivedSinceUpdate >= _options.ConnectionWindow / 2)
            {
                AppendWindowUpdateLocked(0, (int)_receivedSinceUpdate);
                _receivedSinceUpdate = 0;
            }
            if (_active.TryGetValue(streamId, out var call))
            {
                call.OnData(Unpad(flags, payload));
                if ((flags & Http2Protocol.EndStream) != 0)
                {
                    RemoveLocked(call);
                    finished = call;
                }
                else if ((call.ReceivedSinceUpdate += payload.Length) >= _options.StreamWindow / 2)
                {
                    AppendWindowUpdateLocked(streamId, call.ReceivedSinceUpdate);
                    call.ReceivedSinceUpdate = 0;
                }
            }
            flush = (_controlLength > 0 || (finished is not null && _pending.Count > 0)) && ClaimFlushLocked();
        }
        Completed(flush, finished);
    }

    private void OnHeaders(int streamId, byte flags, ReadOnlySpan<byte> payload)
    {
        var block = Unpad(flags, payload);
        if ((flags & Http2Protocol.PriorityFlag) != 0)
        {
            block = block.Length >= 5 ? block[5..] : throw new Http2ProtocolException(Http2Protocol.FrameSizeError, "A HEADERS frame too short for its priority.");
        }
        var endStream = (flags & Http2Protocol.EndStream) != 0;
        if ((flags & Http2Protocol.EndHeaders) != 0)
        {
            DecodeBlock(streamId, block, endStream);
            return;
        }
        _fragmentStream = streamId;
        _fragmentEndsStream = endStream;
        _fragmentsLength = 0;
        AppendFragment(block);
    }

    private void OnContinuation(int streamId, byte flags, ReadOnlySpan<byte> payload)
    {
        if (_fragmentStream == 0 || streamId != _fragmentStream)
        {
            throw new Http2ProtocolException(Http2Protocol.ProtocolError, "A CONTINUATION frame that continues no header block.");
        }
        AppendFragment(payload);
        if ((flags & Http2Protocol.EndHeaders) != 0)
        {
            _fragmentStream = 0;
            DecodeBlock(streamId, _fragments.AsSpan(0, _fragmentsLength), _fragmentEndsStream);
        }
    }

    private void AppendFragment(ReadOnlySpan<byte> fragment)
    {
        if (_fragments.Length < _fragmentsLength + fragment.Length)
        {
            Array.Resize(ref _fragments, Math.Max(_fragmentsLength + fragment.Length, _fragments.Length * 2));
        }
        fragment.CopyTo(_fragments.AsSpan(_fragmentsLength));
        _fragmentsLength += fragment.Length;
    }

    private void DecodeBlock(int streamId, ReadOnlySpan<byte> block, bool endStream)
    {
        H2Call? finished = null;
        bool flush;
        lock (_sync)
        {
            // Decoded whatever the stream: the dynamic table must see every block.
            _active.TryGetValue(streamId, out var call);
            _hpack.Decode(block, call ?? (IHeaderSink)DiscardedHeaders.Instance);
            call?.EndBlock();
            if (endStream && call is not null)
            {
                RemoveLocked(call);
                finished = call;
            }
            flush = finished is not null && _pending.Count > 0 && ClaimFlushLocked();
        }
        Completed(flush, finished);
    }

    private void OnRstStream(int streamId, ReadOnlySpan<byte> payload)
    {
        if (payload.Length != 4)
        {
            throw new Http2ProtocolException(Http2Protocol.FrameSizeError, "A RST_STREAM frame not 4 bytes long.");
        }
        H2Call? reset;
        bool flush;
        lock (_sync)
        {
            if (_active.TryGetValue(streamId, out reset))
            {
                RemoveLocked(reset);
            }
            flush = reset is not null && _pending.Count > 0 && ClaimFlushLocked();
        }
        if (flush)
        {
            _ = FlushLoopAsync();
        }
        if (reset is not null)
        {
            reset.Fail(Internal.GrpcAnswer.OfReset(BinaryPrimitives.ReadUInt32BigEndian(payload)));
            CloseIfDrained();
        }
    }

    private void Completed(bool flush, H2Call? finished)
    {
        if (flush)
        {
            _ = FlushLoopAsync();
        }
        if (finished is not null)
        {
            finished.Finish();
            if (_state == ConnectionState.Draining)
            {
                CloseIfDrained();
            }
        }
    }

    private static ReadOnlySpan<byte> Unpad(byte flags, ReadOnlySpan<byte> payload)
    {
        if ((flags & Http2Protocol.Padded) == 0)
        {
            return payload;
        }
        if (payload.Length == 0 || payload[0] >= payload.Length)
        {
            throw new Http2ProtocolException(Http2Protocol.ProtocolError, "Padding as long as its frame.");
        }
        return payload[1..^payload[0]];
    }

    // Header blocks of streams no longer waited for (their deadline passed): decoded for the table, then dropped.
    private sealed class DiscardedHeaders : IHeaderSink
    {
        public static readonly DiscardedHeaders Instance = new();

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        {
        }
    }
}
