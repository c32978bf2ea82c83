namespace MlopsGateway.Worker.RegistrySync;

/// <summary>An artefact that could not be fetched, or whose bytes do not match the recorded sha256; the message says which.</summary>
internal sealed class ArtifactRefusedException(string message, Exception? inner = null) : Exception(message, inner);
