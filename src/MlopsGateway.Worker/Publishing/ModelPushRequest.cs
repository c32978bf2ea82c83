using MlopsGateway.Registry.Models;

namespace MlopsGateway.Worker.Publishing;

/// <summary>What a push says of the file besides the file itself.</summary>
/// <param name="Model">The model it is a version of.</param>
/// <param name="CreatedBy">Who pushes it.</param>
/// <param name="Version">The version to record it as; null for the next number.</param>
/// <param name="Description">What it is, for people.</param>
/// <param name="Labels">Free labels.</param>
/// <param name="Lineage">Where it came from; null for nothing known.</param>
/// <param name="Metrics">Named figures (AUC, accuracy, ...); null for none.</param>
/// <param name="Baseline">Training data to make the version's baseline profile from; null for none.</param>
public sealed record ModelPushRequest(
    string Model,
    string CreatedBy,
    string? Version = null,
    string Description = "",
    IReadOnlyList<string>? Labels = null,
    ModelLineage? Lineage = null,
    IReadOnlyDictionary<string, double>? Metrics = null,
    PushBaseline? Baseline = null);
