namespace MlopsGateway.Gateway.Routing;

/// <summary>How a varint read so far stands.</summary>
internal enum VarintStatus
{
    /// <summary>The varint continues in the next byte.</summary>
    More,

    /// <summary>The varint is complete.</summary>
    Done,

    /// <summary>Longer than allowed, or padded with a trailing zero byte.</summary>
    Invalid,
}

/// <summary>
/// The protobuf wire rules the gateway holds a request's top-level fields to. They are stricter than
/// Google.Protobuf's parser wherever two parsers could read the same bytes differently: tags and
/// lengths at most 5 bytes and written in their shortest form (Google.Protobuf reads both as 32-bit
/// numbers and drops higher bits), tag values within 32 bits, and only the wire types proto3 writes.
/// </summary>
internal static class ProtoWire
{
    /// <summary>Longest tag or length varint accepted: 5 bytes hold 32 bits.</summary>
    public const int MaxTagOrLengthBytes = 5;

    /// <summary>Longest varint value accepted (a 64-bit number).</summary>
    public const int MaxValueBytes = 10;

    public const int WireVarint = 0;
    public const int WireFixed64 = 1;
    public const int WireLengthDelimited = 2;
    public const int WireFixed32 = 5;

    /// <summary>
    /// Adds byte <paramref name="b"/> to a varint of <paramref name="count"/> bytes read so far; with
    /// <paramref name="canonical"/>, a last byte of zero after the first (a padded form) is invalid.
    /// </summary>
    public static VarintStatus Add(ref ulong value, ref int count, byte b, int maxBytes, bool canonical)
    {
        if (count < 10)
        {
            value |= (ulong)(b & 0x7F) << (7 * count);
        }
        count++;
        if ((b & 0x80) != 0)
        {
            return count >= maxBytes ? VarintStatus.Invalid : VarintStatus.More;
        }
        return canonical && b == 0 && count > 1 ? VarintStatus.Invalid : VarintStatus.Done;
    }

    /// <summary>What is wrong with a decoded tag, or null when it is acceptable.</summary>
    public static string? CheckTag(ulong tag)
    {
        if (tag > uint.MaxValue)
        {
            return "a field tag is larger than 32 bits";
        }
        if (tag >> 3 == 0)
        {
            return "a field is numbered 0";
        }
        var wireType = (int)(tag & 7);
        return wireType is WireVarint or WireFixed64 or WireLengthDelimited or WireFixed32
            ? null
            : $"field {tag >> 3} has wire type {wireType}, which proto3 messages do not use";
    }

    /// <summary>The model fields' names in refusals.</summary>
    public static string Describe(ulong field) => field == 1 ? "field 1 (the model name)" : "field 2 (the model version)";
}
