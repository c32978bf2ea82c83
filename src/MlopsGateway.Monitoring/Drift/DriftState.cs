using System.Text.Json.Serialization;

namespace MlopsGateway.Monitoring.Drift;

/// <summary>What a window says about a feature, the prediction or the model.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DriftState>))]
public enum DriftState
{
    /// <summary>Scored, and within the threshold.</summary>
    [JsonStringEnumMemberName("ok")]
    Ok,

    /// <summary>Scored, and past the threshold.</summary>
    [JsonStringEnumMemberName("drift")]
    Drift,

    /// <summary>Too few rows in the window to say (fewer than <see cref="DriftOptions.MinRows"/>).</summary>
    [JsonStringEnumMemberName("insufficient")]
    Insufficient,
}
