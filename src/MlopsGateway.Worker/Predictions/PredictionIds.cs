using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MlopsGateway.Worker.Predictions;

/// <summary>
/// New prediction ids: UUIDv7s (RFC 9562: 48 bits of Unix milliseconds, version 7, variant 10) whose
/// 74 other bits are a random value drawn once per process plus a counter (the RFC's "monotonic
/// random" method), in the 32 hex digits <c>Guid.ToString("N")</c> prints. Why not
/// <see cref="Guid.CreateVersion7()"/>: it asks the OS for 10 random bytes per id, which measured
/// about 1 µs per request on the worker's request path; a counter from a random start is as unique in
/// one process, and another process starts elsewhere in 2^74.
/// </summary>
internal static class PredictionIds
{
    private static readonly ushort s_randA = (ushort)(RandomNumberGenerator.GetInt32(1 << 12));
    private static long s_counter = BinaryPrimitives.ReadInt64LittleEndian(RandomNumberGenerator.GetBytes(sizeof(long)));

    /// <summary>A new id made at <paramref name="at"/>, e.g. <c>0193a7c1d2e37a5a8b9c0d1e2f3a4b5c</c>.</summary>
    public static string New(DateTimeOffset at)
    {
        Span<byte> bytes = stackalloc byte[16];
        var millis = (ulong)at.ToUnixTimeMilliseconds();
        BinaryPrimitives.WriteUInt64BigEndian(bytes, (millis << 16) | 0x7000u | s_randA);
        var randB = (ulong)Interlocked.Increment(ref s_counter) & 0x3FFF_FFFF_FFFF_FFFFUL;
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], randB | 0x8000_0000_0000_0000UL);
        return new Guid(bytes, bigEndian: true).ToString("N");
    }
}
