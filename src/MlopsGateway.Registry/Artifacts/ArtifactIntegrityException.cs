namespace MlopsGateway.Registry.Artifacts;

/// <summary>A copy of a version's file whose SHA-256 is not the one the registry recorded: it was refused, and nothing loads it.</summary>
public sealed class ArtifactIntegrityException : IOException
{
    /// <summary>A refusal of <paramref name="model"/> version <paramref name="version"/> copied from <paramref name="from"/>.</summary>
    public ArtifactIntegrityException(string model, string version, string from, string expected, string actual)
        : base($"The artefact of '{model}' version {version} from {from} was refused: its sha256 is {actual}, but the registry recorded {expected}.")
    {
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The SHA-256 the registry recorded.</summary>
    public string Expected { get; }

    /// <summary>The SHA-256 of the copy.</summary>
    public string Actual { get; }
}
