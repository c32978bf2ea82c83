namespace MlopsGateway.Registry.Models;

/// <summary>What a push did.</summary>
/// <param name="Record">The version as recorded now: the new one, or the one that already held these bytes.</param>
/// <param name="Created">Whether the push recorded a new version; false when the same bytes were there already (nothing changed).</param>
public sealed record ModelPushResult(ModelVersionRecord Record, bool Created)
{
    /// <summary>The baseline stored with the version by this push, or null when it stored none.</summary>
    public Baselines.BaselineProfile? Baseline { get; init; }

    /// <summary>When the push stored a baseline without a prediction profile, why (the model's outputs are not a class or a value per row).</summary>
    public string? PredictionSkipped { get; init; }
}
