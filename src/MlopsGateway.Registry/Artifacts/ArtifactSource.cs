using System.Buffers;
using System.Security.Cryptography;
using MlopsGateway.Registry.Models;

namespace MlopsGateway.Registry.Artifacts;

/// <summary>
/// Where workers copy a version's ONNX file from: a directory (a shared volume) or an <c>http(s)://</c>
/// base URL, both laid out <c>M/V/model.onnx</c>. Every copy is hashed while it is written and kept
/// only when its SHA-256 is the one the registry recorded.
/// </summary>
public abstract class ArtifactSource : IDisposable
{
    private const int BufferSize = 1 << 16;

    /// <summary>The directory or base URL, as given.</summary>
    public abstract string Location { get; }

    /// <summary>
    /// A source over <paramref name="directoryOrUrl"/>: an <c>http://</c> or <c>https://</c> URL is
    /// downloaded from (through <paramref name="http"/> when given, else a client of its own),
    /// anything else is a directory.
    /// </summary>
    public static ArtifactSource Open(string directoryOrUrl, HttpClient? http = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directoryOrUrl);
        return IsUrl(directoryOrUrl) ? new HttpArtifactSource(new Uri(directoryOrUrl), http) : new DirectoryArtifactSource(directoryOrUrl);
    }

    /// <summary>Whether <paramref name="location"/> is an <c>http(s)://</c> URL rather than a directory.</summary>
    public static bool IsUrl(string location) =>
        Uri.TryCreate(location, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>
    /// Copies <paramref name="record"/>'s file to <paramref name="destinationPath"/> (through a temporary
    /// file beside it, so the destination is either absent or whole) and checks its SHA-256 on the way.
    /// </summary>
    /// <exception cref="ArtifactIntegrityException">The copy's hash is not the recorded one; nothing was left at the destination.</exception>
    /// <exception cref="IOException">The file cannot be read from the store, or written.</exception>
    /// <exception cref="HttpRequestException">The download failed.</exception>
    public async Task FetchAsync(ModelVersionRecord record, string destinationPath, CancellationToken cancellationToken = default)
    {
        var relative = RelativePath(record);
        var folder = Path.GetDirectoryName(Path.GetFullPath(destinationPath))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(destinationPath)}.{Guid.NewGuid():N}.partial");
        try
        {
            string actual;
            await using (var source = await OpenReadAsync(relative, cancellationToken).ConfigureAwait(false))
            {
                actual = await CopyHashingAsync(source, temporary, cancellationToken).ConfigureAwait(false);
            }
            if (actual != record.Sha256)
            {
                throw new ArtifactIntegrityException(record.Model, record.Version, $"{Location} {relative}", record.Sha256, actual);
            }
            File.Move(temporary, destinationPath, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Opens the file at <paramref name="relativePath"/> (<c>M/V/model.onnx</c>) for reading.</summary>
    protected abstract Task<Stream> OpenReadAsync(string relativePath, CancellationToken cancellationToken);

    /// <summary>Releases what the source holds (its HTTP client, when it made one).</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the source holds.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>
    /// The file's path in the store, as the record's model and version give it; a record whose names
    /// could climb out of the store (<c>..</c>, a slash) is refused before anything is opened.
    /// </summary>
    internal static string RelativePath(ModelVersionRecord record)
    {
        if ((ModelNames.CheckModel(record.Model) ?? ModelNames.CheckVersion(record.Version)) is { } problem)
        {
            throw new IOException($"Cannot fetch the artefact: {problem}.");
        }
        return ModelVersionRecord.ArtifactPath(record.Model, record.Version);
    }

    /// <summary>Writes <paramref name="source"/> to a new file at <paramref name="path"/> and returns its SHA-256 (lower-case hex).</summary>
    internal static async Task<string> CopyHashingAsync(Stream source, string path, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            await using var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, useAsync: true);
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
