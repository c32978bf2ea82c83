using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace MlopsGateway.Gateway;

/// <summary>What <see cref="GrpcRequestPeek.TryReadModel"/> found.</summary>
public enum PeekResult
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
public static class GrpcRequestPeek
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
        name = "";
        version = "";
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
        var available = body.Length - FrameHeaderLength;
        var message = body.Slice(FrameHeaderLength, Math.Min(available, messageLength));
        var complete = available >= messageLength;

        var reader = new SequenceReader<byte>(message);
        while (!reader.End)
        {
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
        return complete ? PeekResult.Found : PeekResult.NeedMoreData;
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
