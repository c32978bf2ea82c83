using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Models;

/// <summary>Where a model version came from; every part is optional.</summary>
/// <param name="Source">Where it was built or found (<c>--source</c>: a URI, a repository, a notebook).</param>
/// <param name="RunId">The training run (<c>--run-id</c>).</param>
/// <param name="Parent">The version it was derived from (<c>--parent</c>).</param>
/// <param name="TrainingDataSha256">SHA-256 of the training data file given at push (<c>--training-data</c>).</param>
public sealed record ModelLineage(
    [property: JsonPropertyName("source")] string? Source = null,
    [property: JsonPropertyName("run_id")] string? RunId = null,
    [property: JsonPropertyName("parent")] string? Parent = null,
    [property: JsonPropertyName("training_data_sha256")] string? TrainingDataSha256 = null)
{
    /// <summary>No lineage given.</summary>
    public static ModelLineage None { get; } = new();
}
