using System.Security.Cryptography;

namespace MlopsGateway.Registry.Artifacts;

/// <summary>The SHA-256 of a file, as the registry records it.</summary>
public static class FileHash
{
    /// <summary>The SHA-256 of the file at <paramref name="path"/>, 64 lower-case hex digits.</summary>
    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken = default)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }
}
