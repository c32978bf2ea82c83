using System.Buffers.Binary;
using Grpc.Core;

namespace MlopsGateway.LoadTest.Http2;

/// <summary>The connection-level frames the read loop answers: SETTINGS, PING, GOAWAY and WINDOW_UPDATE.</summary>
internal sealed partial class H2Connection
{
    private void OnSettings(byte flags, ReadOnlySpan<byte> payload)
    {
        if ((flags & Http2Protocol.Ack) != 0)
        {
            return;
        }
        if (payload.Length % 6 != 0)
        {
            throw new Http2ProtocolException(Http2Protocol.FrameSizeError, "A SETTINGS frame whose length is not a multiple of 6.");
        }
        bool flush;
        lock (_sync)
        {
            for (var at = 0; at < payload.Length; at += 6)
            {
                var value = BinaryPrimitives.ReadUInt32BigEndian(payload[(at + 2)..]);
                switch (BinaryPrimitives.ReadUInt16BigEndian(payload[at..]))
                {
                    case Http2Protocol.MaxConcurrentStreams:
                        _maxStreams = value;
                        break;
                    case Http2Protocol.InitialWindowSize:
                        if (value > Http2Protocol.MaxWindow)
                        {
                            throw new Http2ProtocolException(Http2Protocol.FlowControlError, $"SETTINGS_INITIAL_WINDOW_SIZE {value} is above 2^31 - 1.");
                        }
                        // Section 6.9.2: the change applies to the open streams' windows too.
                        foreach (var call in _active.Values)
                        {
                            call.SendWindow += value - _peerInitialWindow;
                        }
                        _peerInitialWindow = value;
                        break;
                    case Http2Protocol.MaxFrameSize:
                        if (value is < Http2Protocol.DefaultMaxFrameSize or > 16_777_215)
                        {
                            throw new Http2ProtocolException(Http2Protocol.ProtocolError, $"SETTINGS_MAX_FRAME_SIZE {value} is out of range.");
                        }
                        _peerMaxFrame = (int)value;
                        break;
                    default:
                        // The header table size concerns an encoder that indexes; this one never does.
                        break;
                }
            }
            Span<byte> ack = stackalloc byte[Http2Protocol.FrameHeaderLength];
            Http2Protocol.WriteFrameHeader(ack, 0, Http2Protocol.Settings, Http2Protocol.Ack, 0);
            AppendControlLocked(ack);
            if (_state == ConnectionState.Connecting)
            {
                _state = ConnectionState.Ready;
            }
            flush = ClaimFlushLocked();
        }
        if (flush)
        {
            _ = FlushLoopAsync();
        }
    }

    private void OnPing(byte flags, ReadOnlySpan<byte> payload)
    {
        if (payload.Length != 8)
        {
            throw new Http2ProtocolException(Http2Protocol.FrameSizeError, "A PING frame not 8 bytes long.");
        }
        if ((flags & Http2Protocol.Ack) != 0)
        {
            return;
        }
        bool flush;
        lock (_sync)
        {
            Span<byte> pong = stackalloc byte[Http2Protocol.FrameHeaderLength + 8];
            Http2Protocol.WriteFrameHeader(pong, 8, Http2Protocol.Ping, Http2Protocol.Ack, 0);
            payload.CopyTo(pong[Http2Protocol.FrameHeaderLength..]);
            AppendControlLocked(pong);
            flush = ClaimFlushLocked();
        }
        if (flush)
        {
            _ = FlushLoopAsync();
        }
    }

    // Streams above the last one the server processed, and the calls not yet sent, fail as UNAVAILABLE; the rest finish.
    private void OnGoAway(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 8)
        {
            throw new Http2ProtocolException(Http2Protocol.FrameSizeError, "A GOAWAY frame shorter than 8 bytes.");
        }
        var last = BinaryPrimitives.ReadInt32BigEndian(payload) & int.MaxValue;
        var code = Http2Protocol.ErrorName(BinaryPrimitives.ReadUInt32BigEndian(payload[4..]));
        List<H2Call> refused = [];
        lock (_sync)
        {
            if (_state == ConnectionState.Closed)
            {
                return;
            }
            _state = ConnectionState.Draining;
            foreach (var call in _active.Values)
            {
                if (call.StreamId > last)
                {
                    refused.Add(call);
                }
            }
            foreach (var call in refused)
            {
                RemoveLocked(call);
            }
            refused.AddRange(_pending);
            _pending.Clear();
        }
        var status = new Status(StatusCode.Unavailable, $"The server closed the connection (GOAWAY, {code}) before the call was processed.");
        foreach (var call in refused)
        {
            call.Fail(status);
        }
        CloseIfDrained();
    }

    private void OnWindowUpdate(int streamId, ReadOnlySpan<byte> payload)
    {
        if (payload.Length != 4)
        {
            throw new Http2ProtocolException(Http2Protocol.FrameSizeError, "A WINDOW_UPDATE frame not 4 bytes long.");
        }
        var increment = BinaryPrimitives.ReadInt32BigEndian(payload) & int.MaxValue;
        bool flush;
        lock (_sync)
        {
            if (streamId == 0)
            {
                _sendWindow += increment;
                if (_sendWindow > Http2Protocol.MaxWindow)
                {
                    throw new Http2ProtocolException(Http2Protocol.FlowControlError, "The connection's send window went above 2^31 - 1.");
                }
            }
            else if (_active.TryGetValue(streamId, out var call))
            {
                call.SendWindow += increment;
            }
            flush = _sendingData.Count > 0 && ClaimFlushLocked();
        }
        if (flush)
        {
            _ = FlushLoopAsync();
        }
    }
}
