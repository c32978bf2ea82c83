using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Models;

/// <summary>
/// One version of a model as the registry keeps it (a field of <c>{ns}:model:M:versions</c>). Versions
/// are immutable in what they are (bytes, signature, lineage); only their state moves on: status
/// from <see cref="ModelStatus.Pending"/>, then deprecation, then retirement. Each change replaces
/// the record whole.
/// </summary>
/// <param name="Model">The model name.</param>
/// <param name="Version">The version, numeric by default (the next is the highest number plus one).</param>
/// <param name="Sha256">SHA-256 of the ONNX file, 64 lower-case hex digits.</param>
/// <param name="Size">The file's size in bytes.</param>
/// <param name="Signature">Inputs and outputs as the ONNX graph declares them.</param>
/// <param name="Description">What the version is, for people; empty when none was given.</param>
/// <param name="Labels">Free labels (<c>--labels a,b</c>).</param>
/// <param name="Lineage">Where it came from.</param>
/// <param name="Metrics">Named figures recorded at push (<c>--metric auc=0.91</c>).</param>
/// <param name="CreatedBy">Who pushed it.</param>
/// <param name="CreatedAt">When it was pushed.</param>
/// <param name="Status">Whether its artefact is in the store and loads.</param>
/// <param name="StatusReason">Why it is <see cref="ModelStatus.Failed"/>; null otherwise.</param>
/// <param name="Artifact">Its file's path relative to the artefact store: <c>M/V/model.onnx</c>.</param>
/// <param name="Deprecation">Its deprecation, or null while it is not deprecated.</param>
/// <param name="RetiredAt">When it was taken out of service, or null.</param>
/// <param name="RetiredBy">Who retired it, or null.</param>
public sealed record ModelVersionRecord(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("signature")] ModelSignature Signature,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("labels")] IReadOnlyList<string> Labels,
    [property: JsonPropertyName("lineage")] ModelLineage Lineage,
    [property: JsonPropertyName("metrics")] IReadOnlyDictionary<string, double> Metrics,
    [property: JsonPropertyName("created_by")] string CreatedBy,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("status")] ModelStatus Status,
    [property: JsonPropertyName("status_reason")] string? StatusReason,
    [property: JsonPropertyName("artifact")] string Artifact,
    [property: JsonPropertyName("deprecation")] ModelDeprecation? Deprecation = null,
    [property: JsonPropertyName("retired_at")] DateTimeOffset? RetiredAt = null,
    [property: JsonPropertyName("retired_by")] string? RetiredBy = null)
{
    /// <summary>The file name every version's artefact has in the store.</summary>
    public const string ArtifactFileName = "model.onnx";

    /// <summary>Where the artefact of <paramref name="model"/> version <paramref name="version"/> lives, relative to the store.</summary>
    public static string ArtifactPath(string model, string version) => $"{model}/{version}/{ArtifactFileName}";

    /// <summary>Whether it was retired.</summary>
    [JsonIgnore]
    public bool IsRetired => RetiredAt is not null;

    /// <summary>Whether a worker may serve it: <see cref="ModelStatus.Ready"/> and not retired.</summary>
    [JsonIgnore]
    public bool IsServable => Status == ModelStatus.Ready && !IsRetired;

    /// <summary>Whether its sunset has passed at <paramref name="now"/> (false when it is not deprecated).</summary>
    public bool IsPastSunset(DateTimeOffset now) => Deprecation is { } deprecation && now >= deprecation.Sunset;
}
