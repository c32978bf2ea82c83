namespace MlopsGateway.Worker;

/// <summary>A model version as the repository index reports it.</summary>
/// <param name="Model">Model name (its folder).</param>
/// <param name="Version">Version (its folder).</param>
/// <param name="State">READY, UNAVAILABLE (failed to load) or UNLOADED.</param>
/// <param name="Reason">Why it is not READY; empty when it is.</param>
public sealed record ModelState(string Model, string Version, string State, string Reason)
{
    public const string Ready = "READY";
    public const string Unavailable = "UNAVAILABLE";
    public const string Unloaded = "UNLOADED";
}
