namespace MlopsGateway.Worker.RegistrySync;

/// <summary>Where a registry worker learns which versions exist: the registry in Redis, a fake in tests.</summary>
internal interface IVersionSource
{
    /// <summary>Every version of every model (or of <paramref name="models"/> only, when given), servable or not.</summary>
    Task<IReadOnlyList<PulledVersion>> ReadAsync(IReadOnlyCollection<string>? models, CancellationToken cancellationToken);

    /// <summary>
    /// Copies <paramref name="version"/>'s artefact to <paramref name="destination"/>, checking its sha256 on
    /// the way, and leaving either the whole verified file there or nothing; throws <see cref="ArtifactRefusedException"/> when it cannot be had or does not match.
    /// </summary>
    Task FetchAsync(PulledVersion version, string destination, CancellationToken cancellationToken);
}
