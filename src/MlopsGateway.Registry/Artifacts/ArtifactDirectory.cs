using MlopsGateway.Registry.Models;

namespace MlopsGateway.Registry.Artifacts;

/// <summary>
/// The write side of a directory artefact store, used by a push: each version's file goes to
/// <c>DIR/M/V/model.onnx</c> whole or not at all (a temporary file renamed into place), and a file
/// already there is never replaced by a different one.
/// </summary>
/// <param name="root">The store's directory.</param>
public sealed class ArtifactDirectory(string root)
{
    /// <summary>The store's directory, absolute.</summary>
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>Where <paramref name="record"/>'s file lives in the store.</summary>
    public string PathOf(ModelVersionRecord record) => Path.Combine(Root, ArtifactSource.RelativePath(record));

    /// <summary>
    /// Copies <paramref name="sourceFile"/> into the store as <paramref name="record"/>'s file, checking on
    /// the way that it still has the recorded SHA-256. Nothing is done when the same file is there already.
    /// </summary>
    /// <exception cref="InvalidOperationException">A different file is there already, or the file changed since it was hashed.</exception>
    /// <exception cref="IOException">It cannot be read or written.</exception>
    public async Task WriteAsync(string sourceFile, ModelVersionRecord record, CancellationToken cancellationToken = default)
    {
        var destination = PathOf(record);
        if (File.Exists(destination))
        {
            await RefuseIfDifferentAsync(destination, record, cancellationToken).ConfigureAwait(false);
            return;
        }
        var folder = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{ModelVersionRecord.ArtifactFileName}.{Guid.NewGuid():N}.partial");
        try
        {
            string copied;
            await using (var source = new FileStream(sourceFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
            {
                copied = await ArtifactSource.CopyHashingAsync(source, temporary, cancellationToken).ConfigureAwait(false);
            }
            if (copied != record.Sha256)
            {
                throw new InvalidOperationException($"{sourceFile} changed while it was pushed (its sha256 is now {copied}, not {record.Sha256}); push it again.");
            }
            try
            {
                File.Move(temporary, destination, overwrite: false);
            }
            catch (IOException) when (File.Exists(destination))
            {
                // Another push of this version got there first: fine if it wrote the same bytes.
                await RefuseIfDifferentAsync(destination, record, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static async Task RefuseIfDifferentAsync(string destination, ModelVersionRecord record, CancellationToken cancellationToken)
    {
        var held = await FileHash.Sha256Async(destination, cancellationToken).ConfigureAwait(false);
        if (held != record.Sha256)
        {
            throw new InvalidOperationException(
                $"the store already holds a different file at {destination} (sha256 {held}, not {record.Sha256}); it never overwrites one. Remove it, or push under another version.");
        }
    }
}
