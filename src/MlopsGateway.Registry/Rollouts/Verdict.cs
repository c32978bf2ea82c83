using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Rollouts;

/// <summary>
/// A criterion's judgement of one interval; written as <c>inconclusive</c>, <c>pass</c> or <c>fail</c>
/// in rollout records, the audit trail and webhooks (records written as numbers before still read).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<Verdict>))]
public enum Verdict
{
    /// <summary>Too few samples (or no data) to say: the step holds; never a pass.</summary>
    [JsonStringEnumMemberName("inconclusive")]
    Inconclusive,

    /// <summary>The canary meets the criterion.</summary>
    [JsonStringEnumMemberName("pass")]
    Pass,

    /// <summary>The canary breaks the criterion, with the test's confidence.</summary>
    [JsonStringEnumMemberName("fail")]
    Fail,
}
