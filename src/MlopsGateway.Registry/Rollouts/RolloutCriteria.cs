using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Rollouts;

/// <summary>
/// What a canary must meet at every step of a rollout (the flags of <c>mlops rollout start</c>).
/// A null limit is not judged.
/// </summary>
/// <param name="MaxErrorRateIncrease">Percentage points the canary's error rate may exceed stable's (0.5).</param>
/// <param name="MaxLatencyRatio">The canary's p99 latency over stable's (1.2).</param>
/// <param name="MaxDisagreement">Percent of rows whose top class differs from stable's on the same inputs (2).</param>
/// <param name="MaxDrift">Highest drift score of the canary's primary tests (monitoring's data), or null.</param>
/// <param name="MinAccuracyDelta">The canary's accuracy minus stable's may not fall below this (for example -0.01), or null.</param>
/// <param name="MinRequests">Calls each side needs in an interval before it is judged (500); fewer is inconclusive.</param>
/// <param name="Confidence">Confidence of the tests (0.98, Kayenta's).</param>
public sealed record RolloutCriteria(
    [property: JsonPropertyName("max_error_rate_increase")] double? MaxErrorRateIncrease = 0.5,
    [property: JsonPropertyName("max_latency_ratio")] double? MaxLatencyRatio = 1.2,
    [property: JsonPropertyName("max_disagreement")] double? MaxDisagreement = 2,
    [property: JsonPropertyName("max_drift")] double? MaxDrift = null,
    [property: JsonPropertyName("min_accuracy_delta")] double? MinAccuracyDelta = null,
    [property: JsonPropertyName("min_requests")] long MinRequests = 500,
    [property: JsonPropertyName("confidence")] double Confidence = 0.98);
