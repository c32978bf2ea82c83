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
/// fields 1 and 2, which protobuf encoders write before the tensors.
/// </summary>
internal static class GrpcRequestPeek
{
    /// <summary>Longest model name or version accepted; longer is treated as malformed.</summary>
    public const int MaxNameLength = 1024;

    private const int FrameHeaderLength = 5;

    /// <summary>
    /// Reads fields 1 (name) and 2 (version) of the first message in <paramref name="body"/>.
    /// Stops at the first field numbered above 2: encoders write fields in number order, so the
    /// name, when set, comes first and the tensors never need to be read.
    /// </summary>
    public static PeekResult TryReadModel(ReadOnlySequence<byte> body, out string name, out string version)
    {
        var result = TryReadPrefix(body, out var prefix);
        name = prefix.Name;
        version = prefix.Version;
        return result;
    }

    /// <summary>
    /// As <see cref="TryReadModel"/>, and also where fields 1 and 2 end and how long the message is,
    /// so that the gateway can write the fields anew (another version) and send the rest untouched.
    /// </summary>
    public static PeekResult TryReadPrefix(ReadOnlySequence<byte> body, out RequestPrefix prefix)
    {
        var name = "";
        var version = "";
        prefix = new RequestPrefix("", "", 0, 0);
        if (body.Length < FrameHeaderLength)
        {
            return PeekResult.NeedMoreData;
        }
        Span<byte> header = stackalloc byte[FrameHeaderLength];
        body.Slice(0, FrameHeaderLength).CopyTo(header);
        if (header[0] > 1)
        {
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

        var reader = new SequenceReader<byte>(message);
        while (!reader.End)
        {
            var fieldStart = reader.Consumed;
            if (!TryReadVarint(ref reader, out var tag))
            {
                return complete ? PeekResult.Malformed : PeekResult.NeedMoreData;
            }
            var field = tag >> 3;
            var wireType = (int)(tag & 7);
            if (field is 0)
            {
                return PeekResult.Malformed;
            }
            if (field > 2)
            {
                prefix = new RequestPrefix(name, version, messageLength, FrameHeaderLength + fieldStart);
                return PeekResult.Found;
            }
            if (wireType != 2)
            {
                // Fields 1 and 2 are strings in every message this reads.
                return PeekResult.Malformed;
            }
            if (!TryReadVarint(ref reader, out var length))
            {
                return complete ? PeekResult.Malformed : PeekResult.NeedMoreData;
            }
            if (length > MaxNameLength)
            {
                return PeekResult.Malformed;
            }
            if (reader.Remaining < (long)length)
            {
                return complete ? PeekResult.Malformed : PeekResult.NeedMoreData;
            }
            var text = DecodeUtf8(reader.UnreadSequence.Slice(0, (long)length));
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
        prefix = new RequestPrefix(name, version, messageLength, FrameHeaderLength + reader.Consumed);
        return complete ? PeekResult.Found : PeekResult.NeedMoreData;
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

    private static string DecodeUtf8(ReadOnlySequence<byte> bytes) =>
        bytes.IsSingleSegment ? Encoding.UTF8.GetString(bytes.FirstSpan) : Encoding.UTF8.GetString(bytes.ToArray());

    private static bool TryReadVarint(ref SequenceReader<byte> reader, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (!reader.TryRead(out var b))
            {
                return false;
            }
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }
        return false;
    }
}
