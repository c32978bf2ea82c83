using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Models;

/// <summary>Where a pushed version stands; stored as <c>PENDING</c>, <c>READY</c> or <c>FAILED</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelStatus>))]
public enum ModelStatus
{
    /// <summary>Recorded; its artefact is being copied into the store.</summary>
    [JsonStringEnumMemberName("PENDING")]
    Pending,

    /// <summary>In the store, and ONNX Runtime loaded it at push.</summary>
    [JsonStringEnumMemberName("READY")]
    Ready,

    /// <summary>ONNX Runtime could not load it, or its copy failed; the record's reason says which.</summary>
    [JsonStringEnumMemberName("FAILED")]
    Failed,
}
