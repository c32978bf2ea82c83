using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Baselines;

/// <summary>How a feature (or the prediction) is binned: by quantile edges, or by its categories.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FeatureKind>))]
public enum FeatureKind
{
    /// <summary>A number binned by the baseline's quantile edges.</summary>
    [JsonStringEnumMemberName("numeric")]
    Numeric,

    /// <summary>A category (a numeric code, or a class of the prediction) counted by value, with one bin for values the baseline never saw.</summary>
    [JsonStringEnumMemberName("categorical")]
    Categorical,
}
