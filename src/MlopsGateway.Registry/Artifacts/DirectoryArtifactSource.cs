namespace MlopsGateway.Registry.Artifacts;

/// <summary>An artefact store that is a directory: a local folder or a shared volume.</summary>
internal sealed class DirectoryArtifactSource(string root) : ArtifactSource
{
    public override string Location { get; } = Path.GetFullPath(root);

    protected override Task<Stream> OpenReadAsync(string relativePath, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Location, relativePath);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The artefact store has no file {path}.", path);
        }
        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true));
    }
}
