using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace MlopsGateway.Gateway.Routing;

/// <summary>What <see cref="GrpcRequestPeek.TryReadModel"/> found.</summary>
internal enum PeekResult
{
    /// <summary>The model name (possibly empty) and version were read.</summary>
    Found,

    /// <summary>The bytes so far end before the fields were complete; read more and call again.</summary>
    NeedMoreData,

    /// <summary>The message is compressed (grpc-encoding); its fields cannot be read without inflating it.</summary>
    Compressed,

    /// <summary>The bytes are not a gRPC frame holding a protobuf message.</summary>
    Malformed,
}

/// <summary>
/// Reads the model name and version from the start of a gRPC request body without deserialising
/// the message: ModelInferRequest, ModelMetadataRequest and ModelReadyRequest all carry them as
/// fields 1 and 2, which protobuf encoders write before the tensors. Read strictly (see
/// <see cref="ProtoWire"/>): each at most once, as strings of valid UTF-8, before any other field;
/// <see cref="FrameScanner"/> holds the rest of the message to the same rules as it is forwarded,
/// so that the fields read here are the ones the worker's parser keeps.
/// </summary>
internal static class GrpcRequestPeek
{
    /// <summary>Longest model name or version accepted; longer is treated as malformed.</summary>
    public const int MaxNameLength = 1024;

    private const int FrameHeaderLength = 5;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Reads fields 1 (name) and 2 (version) of the first message in <paramref name="body"/>.
    /// Stops at the first field numbered above 2: encoders write fields in number order, so the
    /// name, when set, comes first and the tensors never need to be read.
    /// </summary>
    public static PeekResult TryReadModel(ReadOnlySequence<byte> body, out string name, out string version)
    {
        var result = TryReadPrefix(body, out var prefix, out _);
        name = prefix.Name;
        version = prefix.Version;
        return result;
    }

    /// <summary>
    /// As <see cref="TryReadModel"/>, and also where fields 1 and 2 end and how long the message is,
    /// so that the gateway can write the fields anew (another version) and send the rest untouched.
    /// </summary>
    public static PeekResult TryReadPrefix(ReadOnlySequence<byte> body, out RequestPrefix prefix) => TryReadPrefix(body, out prefix, out _);

    /// <summary>As <see cref="TryReadPrefix(ReadOnlySequence{byte}, out RequestPrefix)"/>; <paramref name="fault"/> says what could not be read when the answer is <see cref="PeekResult.Malformed"/>.</summary>
    public static PeekResult TryReadPrefix(ReadOnlySequence<byte> body, out RequestPrefix prefix, out string fault)
    {
        prefix = new RequestPrefix("", "", 0, 0);
        fault = "";
        if (body.Length < FrameHeaderLength)
        {
            return PeekResult.NeedMoreData;
        }
        Span<byte> header = stackalloc byte[FrameHeaderLength];
        body.Slice(0, FrameHeaderLength).CopyTo(header);
        if (header[0] > 1)
        {
            fault = $"the frame's compressed flag is {header[0]}, not 0 or 1";
            return PeekResult.Malformed;
        }
        if (header[0] == 1)
        {
            return PeekResult.Compressed;
        }
        var messageLength = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        prefix = new RequestPrefix("", "", messageLength, 0);
        var available = body.Length - FrameHeaderLength;
        var message = body.Slice(FrameHeaderLength, Math.Min(available, messageLength));
        var complete = available >= messageLength;

        string? name = null;
        string? version = null;
        var reader = new SequenceReader<byte>(message);
        while (!reader.End)
        {
            var fieldStart = reader.Consumed;
            var status = ReadVarint(ref reader, out var tag);
            if (status == VarintStatus.More)
            {
                return complete ? Malformed(out fault, "the message ends inside a field tag") : PeekResult.NeedMoreData;
            }
            if ((status == VarintStatus.Invalid ? "a field tag is over-long or padded" : ProtoWire.CheckTag(tag)) is { } badTag)
            {
                return Malformed(out fault, badTag);
            }
            var field = tag >> 3;
            if (field > 2)
            {
                prefix = new RequestPrefix(name ?? "", version ?? "", messageLength, FrameHeaderLength + fieldStart);
                return PeekResult.Found;
            }
            if ((tag & 7) != ProtoWire.WireLengthDelimited)
            {
                // Fields 1 and 2 are strings in every message this reads.
                return Malformed(out fault, $"{ProtoWire.Describe(field)} is not a string");
            }
            if ((field == 1 ? name : version) is not null)
            {
                return Malformed(out fault, $"{ProtoWire.Describe(field)} appears more than once");
            }
            status = ReadVarint(ref reader, out var length);
            if (status == VarintStatus.More)
            {
                return complete ? Malformed(out fault, "the message ends inside a field length") : PeekResult.NeedMoreData;
            }
            if (status == VarintStatus.Invalid)
            {
                return Malformed(out fault, $"the length of {ProtoWire.Describe(field)} is over-long or padded");
            }
            if (length > MaxNameLength)
            {
                return Malformed(out fault, $"{ProtoWire.Describe(field)} is longer than {MaxNameLength} bytes");
            }
            if ((long)length > messageLength - reader.Consumed)
            {
                return Malformed(out fault, $"{ProtoWire.Describe(field)} runs past the end of the message");
            }
            if (reader.Remaining < (long)length)
            {
                return PeekResult.NeedMoreData;
            }
            if (DecodeUtf8(reader.UnreadSequence.Slice(0, (long)length)) is not { } text)
            {
                return Malformed(out fault, $"{ProtoWire.Describe(field)} is not valid UTF-8");
            }
            reader.Advance((long)length);
            if (field == 1)
            {
                name = text;
            }
            else
            {
                version = text;
            }
        }
        prefix = new RequestPrefix(name ?? "", version ?? "", messageLength, FrameHeaderLength + reader.Consumed);
        return complete ? PeekResult.Found : PeekResult.NeedMoreData;
    }

    private static PeekResult Malformed(out string fault, string what)
    {
        fault = what;
        return PeekResult.Malformed;
    }

    /// <summary>Length of a gRPC frame header: a compressed flag and a big-endian message length.</summary>
    public const int HeaderLength = FrameHeaderLength;

    /// <summary>
    /// A frame header and fields 1 (<paramref name="name"/>) and 2 (<paramref name="version"/>) for a
    /// message whose other fields take <paramref name="restLength"/> bytes: what replaces a request's
    /// first <see cref="RequestPrefix.FieldsEnd"/> bytes to send it to another version.
    /// </summary>
    public static byte[] WritePrefix(string name, string version, long restLength)
    {
        var nameBytes = Encoding.UTF8.GetByteCount(name);
        var versionBytes = Encoding.UTF8.GetByteCount(version);
        var fields = FieldLength(nameBytes) + FieldLength(versionBytes);
        var messageLength = fields + restLength;
        if (messageLength > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(restLength), "The message is too large for one gRPC frame.");
        }
        var prefix = new byte[FrameHeaderLength + fields];
        BinaryPrimitives.WriteUInt32BigEndian(prefix.AsSpan(1), (uint)messageLength);
        var position = FrameHeaderLength;
        position = WriteField(prefix, position, 1, name, nameBytes);
        WriteField(prefix, position, 2, version, versionBytes);
        return prefix;
    }

    /// <summary>
    /// A whole request message (no frame header) sent to another version: fields 1 (<paramref name="name"/>)
    /// and 2 (<paramref name="version"/>), the request's other fields (<paramref name="rest"/>) unchanged,
    /// then field 3 (<paramref name="id"/>), which wins over an id among <paramref name="rest"/> because
    /// protobuf keeps the last value of a field that appears twice.
    /// </summary>
    public static byte[] WriteMessage(string name, string version, ReadOnlySpan<byte> rest, string id)
    {
        var nameBytes = Encoding.UTF8.GetByteCount(name);
        var versionBytes = Encoding.UTF8.GetByteCount(version);
        var idBytes = Encoding.UTF8.GetByteCount(id);
        var message = new byte[FieldLength(nameBytes) + FieldLength(versionBytes) + rest.Length + FieldLength(idBytes)];
        var position = WriteField(message, 0, 1, name, nameBytes);
        position = WriteField(message, position, 2, version, versionBytes);
        rest.CopyTo(message.AsSpan(position));
        WriteField(message, position + rest.Length, 3, id, idBytes);
        return message;
    }

    // proto3 leaves empty strings out.
    private static int FieldLength(int bytes) => bytes == 0 ? 0 : 1 + VarintLength((ulong)bytes) + bytes;

    private static int VarintLength(ulong value)
    {
        var length = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            length++;
        }
        return length;
    }

    private static int WriteField(byte[] buffer, int position, int field, string text, int byteCount)
    {
        if (byteCount == 0)
        {
            return position;
        }
        buffer[position++] = (byte)((field << 3) | 2);
        var length = (ulong)byteCount;
        while (length >= 0x80)
        {
            buffer[position++] = (byte)(length | 0x80);
            length >>= 7;
        }
        buffer[position++] = (byte)length;
        return position + Encoding.UTF8.GetBytes(text, buffer.AsSpan(position));
    }

    private static string? DecodeUtf8(ReadOnlySequence<byte> bytes)
    {
        try
        {
            return bytes.IsSingleSegment ? s_strictUtf8.GetString(bytes.FirstSpan) : s_strictUtf8.GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>A tag or a length: at most 5 bytes, in the shortest form.</summary>
    private static VarintStatus ReadVarint(ref SequenceReader<byte> reader, out ulong value)
    {
        value = 0;
        var count = 0;
        while (reader.TryRead(out var b))
        {
            var status = ProtoWire.Add(ref value, ref count, b, ProtoWire.MaxTagOrLengthBytes, canonical: true);
            if (status != VarintStatus.More)
            {
                return status;
            }
        }
        return VarintStatus.More;
    }
}
