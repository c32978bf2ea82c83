using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace MlopsGateway.Registry.Feedback;

/// <summary>
/// Prediction ids the gateway (for its calls) and workers (for requests without one) make: UUIDv7s
/// (RFC 9562: 48 bits of Unix milliseconds, version 7, variant 10) whose <c>rand_a</c> is the fixed
/// <see cref="Marker"/> and whose 62 <c>rand_b</c> bits are a counter from a random start drawn once per
/// process (the RFC's "monotonic random" method), in the 32 hex digits <c>Guid.ToString("N")</c>
/// prints. Consecutive ids of one process differ in the counter's last bits only, so
/// <see cref="BlockSize"/> of them are one block: <see cref="TryBlockOf(string, out ulong)"/> reads its number from the id,
/// and the records of a block are one Redis value (<see cref="FeedbackKeys.PredictionBlock"/>) that a
/// label's lookup finds from the id alone. Why not <see cref="Guid.CreateVersion7()"/>: it asks the OS
/// for 10 random bytes per id (about 1 µs per request on the worker's request path), and its ids share
/// nothing a block could be named by. A counter from a random start is as unique in one process, and
/// another process starts elsewhere in 2^62; an id from a caller that happens to have this form is
/// still found, in a block of its own.
/// </summary>
public static class PredictionIds
{
    /// <summary>
    /// Ids per block: the counter's last 6 bits. A block's records then stay under 8 KB, which
    /// Redis's allocator grows in place; blocks of 256 (30 KB) cost Redis 30-40 µs per APPEND.
    /// </summary>
    public const int BlockSize = 1 << BlockBits;

    private const int BlockBits = 6;

    /// <summary>The <c>rand_a</c> of the ids made here (hex digits 13 to 15), which tells them from a caller's UUIDv7s.</summary>
    public const ushort Marker = 0xB10;

    private const int Length = 32;

    // Lower case only: the block's key is the digits as written, and an id in capitals is another id.
    private static readonly SearchValues<char> s_lowerHex = SearchValues.Create("0123456789abcdef");

    private static long s_counter = BinaryPrimitives.ReadInt64LittleEndian(RandomNumberGenerator.GetBytes(sizeof(long)));

    /// <summary>A new id made at <paramref name="at"/>, e.g. <c>0193a7c1d2e37b108b9c0d1e2f3a4b5c</c>.</summary>
    public static string New(DateTimeOffset at)
    {
        Span<byte> bytes = stackalloc byte[16];
        var millis = (ulong)at.ToUnixTimeMilliseconds();
        BinaryPrimitives.WriteUInt64BigEndian(bytes, (millis << 16) | 0x7000u | Marker);
        var randB = (ulong)Interlocked.Increment(ref s_counter) & 0x3FFF_FFFF_FFFF_FFFFUL;
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], randB | 0x8000_0000_0000_0000UL);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>
    /// The block of an id made here (or by anyone in its form), with a row's <c>#n</c> or not: its
    /// counter (hex digits 16 to 31, the variant's bits aside) without its last bits; false for any other id, whose record is kept on its own. Such an id
    /// holds only hex digits, <c>#</c> and digits, so a block's line can hold it as it is.
    /// </summary>
    public static bool TryBlockOf(string id, out ulong block) => TryBlockOf(id.AsSpan(), out block);

    /// <inheritdoc cref="TryBlockOf(string, out ulong)"/>
    public static bool TryBlockOf(ReadOnlySpan<char> id, out ulong block)
    {
        block = 0;
        var end = id.IndexOf('#');
        var text = end < 0 ? id : id[..end];
        if (end >= 0 && (id.Length == end + 1 || id.Length - end > 11 || id[(end + 1)..].ContainsAnyExceptInRange('0', '9')))
        {
            return false;
        }
        if (text.Length != Length || text[12] != '7' || text[16] is not ('8' or '9' or 'a' or 'b')
            || !ushort.TryParse(text[13..16], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var randA) || randA != Marker
            || text.ContainsAnyExcept(s_lowerHex) || !ulong.TryParse(text[16..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var randB))
        {
            return false;
        }
        block = (randB & 0x3FFF_FFFF_FFFF_FFFFUL) >> BlockBits;
        return true;
    }
}
