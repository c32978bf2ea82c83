using System.Security.Cryptography;
using System.Text;

namespace MlopsGateway.Registry;

/// <summary>Makes new key secrets and hashes secrets for storage and lookup.</summary>
public static class ApiKeyHasher
{
    /// <summary>Prefix of generated secrets, so that a leaked key is recognisable in a scan.</summary>
    public const string SecretPrefix = "mlk_";

    /// <summary>A new random secret: the prefix and 32 random bytes, base64url.</summary>
    public static string NewSecret() => SecretPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>A new short identifier for a key record.</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    /// <summary>Lower-case hex SHA-256 of the secret's UTF-8 bytes.</summary>
    public static string Hash(ReadOnlySpan<char> secret)
    {
        // Secrets are short; stay on the stack for the common case so a lookup allocates only the hex string.
        var maxBytes = Encoding.UTF8.GetMaxByteCount(secret.Length);
        Span<byte> utf8 = maxBytes <= 512 ? stackalloc byte[maxBytes] : new byte[maxBytes];
        var written = Encoding.UTF8.GetBytes(secret, utf8);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..written], digest);
        return Convert.ToHexStringLower(digest);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
