namespace MlopsGateway.Worker.RegistrySync;

/// <summary>
/// One version as the registry records it, reduced to what a worker needs to decide whether to serve it.
/// </summary>
/// <param name="Model">The model name.</param>
/// <param name="Version">The version.</param>
/// <param name="Sha256">The artefact's recorded sha256 (lower-case hex); every copy is checked against it.</param>
/// <param name="Servable">READY and not retired.</param>
/// <param name="Source">The registry's own record, handed back to the fetcher.</param>
internal sealed record PulledVersion(string Model, string Version, string Sha256, bool Servable, object? Source = null);
