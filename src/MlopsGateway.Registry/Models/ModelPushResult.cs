namespace MlopsGateway.Registry.Models;

/// <summary>What a push did.</summary>
/// <param name="Record">The version as recorded now: the new one, or the one that already held these bytes.</param>
/// <param name="Created">Whether the push recorded a new version; false when the same bytes were there already (nothing changed).</param>
public sealed record ModelPushResult(ModelVersionRecord Record, bool Created);
