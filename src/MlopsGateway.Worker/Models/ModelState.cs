namespace MlopsGateway.Worker.Models;

/// <summary>A model version as the repository index reports it.</summary>
/// <param name="Model">Model name (its folder).</param>
/// <param name="Version">Version (its folder).</param>
/// <param name="State">READY, UNAVAILABLE (failed to load) or UNLOADED.</param>
/// <param name="Reason">Why it is not READY; empty when it is.</param>
public sealed record ModelState(string Model, string Version, string State, string Reason)
{
    /// <summary>Loaded and serving.</summary>
    public const string Ready = "READY";
    /// <summary>Found on disk but refused: its model, config or checksum failed; <see cref="Reason"/> says why.</summary>
    public const string Unavailable = "UNAVAILABLE";
    /// <summary>Not served: unloaded on request or not chosen by the version policy.</summary>
    public const string Unloaded = "UNLOADED";
}
