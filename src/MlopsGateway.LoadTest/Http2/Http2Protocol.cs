using System.Buffers.Binary;

namespace MlopsGateway.LoadTest.Http2;

/// <summary>The parts of HTTP/2's framing (RFC 9113) the load client reads and writes.</summary>
internal static class Http2Protocol
{
    /// <summary>The client connection preface (section 3.4).</summary>
    public static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    public const int FrameHeaderLength = 9;

    /// <summary>SETTINGS_MAX_FRAME_SIZE's initial value, which this side never raises for what it receives.</summary>
    public const int DefaultMaxFrameSize = 16_384;

    /// <summary>The initial flow-control window of a connection and of a stream (section 6.9.2).</summary>
    public const int DefaultWindow = 65_535;

    public const int MaxWindow = int.MaxValue;

    public const byte Data = 0x0, Headers = 0x1, Priority = 0x2, RstStream = 0x3, Settings = 0x4, PushPromise = 0x5,
        Ping = 0x6, GoAway = 0x7, WindowUpdate = 0x8, Continuation = 0x9;

    public const byte EndStream = 0x1, Ack = 0x1, EndHeaders = 0x4, Padded = 0x8, PriorityFlag = 0x20;

    public const ushort HeaderTableSize = 0x1, EnablePush = 0x2, MaxConcurrentStreams = 0x3, InitialWindowSize = 0x4, MaxFrameSize = 0x5;

    public const uint NoError = 0x0, ProtocolError = 0x1, FlowControlError = 0x3, FrameSizeError = 0x6, Cancel = 0x8, CompressionError = 0x9;

    /// <summary>Writes a frame header at the start of <paramref name="destination"/>.</summary>
    public static void WriteFrameHeader(Span<byte> destination, int length, byte type, byte flags, int streamId)
    {
        destination[0] = (byte)(length >> 16);
        destination[1] = (byte)(length >> 8);
        destination[2] = (byte)length;
        destination[3] = type;
        destination[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(destination[5..], streamId & int.MaxValue);
    }

    /// <summary>A WINDOW_UPDATE frame (13 bytes).</summary>
    public static void WriteWindowUpdate(Span<byte> destination, int streamId, int increment)
    {
        WriteFrameHeader(destination, 4, WindowUpdate, 0, streamId);
        BinaryPrimitives.WriteInt32BigEndian(destination[FrameHeaderLength..], increment);
    }

    /// <summary>A RST_STREAM frame (13 bytes).</summary>
    public static void WriteRstStream(Span<byte> destination, int streamId, uint errorCode)
    {
        WriteFrameHeader(destination, 4, RstStream, 0, streamId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[FrameHeaderLength..], errorCode);
    }

    /// <summary>The name of an HTTP/2 error code (section 7), for messages.</summary>
    public static string ErrorName(uint code) => code switch
    {
        0x0 => "NO_ERROR", 0x1 => "PROTOCOL_ERROR", 0x2 => "INTERNAL_ERROR", 0x3 => "FLOW_CONTROL_ERROR", 0x4 => "SETTINGS_TIMEOUT",
        0x5 => "STREAM_CLOSED", 0x6 => "FRAME_SIZE_ERROR", 0x7 => "REFUSED_STREAM", 0x8 => "CANCEL", 0x9 => "COMPRESSION_ERROR",
        0xa => "CONNECT_ERROR", 0xb => "ENHANCE_YOUR_CALM", 0xc => "INADEQUATE_SECURITY", 0xd => "HTTP_1_1_REQUIRED",
        _ => $"0x{code:x}",
    };
}
