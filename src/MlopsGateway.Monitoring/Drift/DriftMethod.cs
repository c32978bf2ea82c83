using System.Text.Json.Serialization;

namespace MlopsGateway.Monitoring.Drift;

/// <summary>A measure of how far a window's bin shares are from the baseline's.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DriftMethod>))]
public enum DriftMethod
{
    /// <summary>Population stability index, <c>Σ (q − p) ln(q / p)</c> over smoothed shares.</summary>
    [JsonStringEnumMemberName("psi")]
    Psi,

    /// <summary>Jensen-Shannon distance (the square root of the divergence, base 2), in [0, 1].</summary>
    [JsonStringEnumMemberName("js")]
    JensenShannon,

    /// <summary>Kolmogorov-Smirnov: the largest gap between the two binned CDFs (numeric features; their primary test).</summary>
    [JsonStringEnumMemberName("ks")]
    KolmogorovSmirnov,

    /// <summary>Pearson chi-square against the baseline's shares at the effective row count (categorical features; their primary test).</summary>
    [JsonStringEnumMemberName("chi2")]
    ChiSquare,
}
