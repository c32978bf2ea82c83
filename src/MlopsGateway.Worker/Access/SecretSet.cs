using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace MlopsGateway.Worker.Access;

/// <summary>
/// The secrets a worker accepts (the current and, while one is rotated in, the next), kept as
/// SHA-256 hashes. A presented value is hashed and compared with every one in constant time, so
/// neither how much of it matched nor its length shows in how long the answer takes.
/// </summary>
internal sealed class SecretSet
{
    private readonly byte[][] _hashes;

    public SecretSet(IEnumerable<string> secrets) => _hashes = secrets.Select(s => SHA256.HashData(Encoding.UTF8.GetBytes(s))).ToArray();

    /// <summary>No secret configured: nothing matches.</summary>
    public bool IsEmpty => _hashes.Length == 0;

    /// <summary>Whether <paramref name="presented"/> is one of the secrets.</summary>
    public bool Matches(string? presented)
    {
        if (presented is null || _hashes.Length == 0)
        {
            return false;
        }
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(presented.Length));
        try
        {
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(rented.AsSpan(0, Encoding.UTF8.GetBytes(presented.AsSpan(), rented.AsSpan())), hash);
            var match = false;
            // Every hash is compared, so which one matched does not show either.
            foreach (var expected in _hashes)
            {
                match |= CryptographicOperations.FixedTimeEquals(hash, expected);
            }
            return match;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
