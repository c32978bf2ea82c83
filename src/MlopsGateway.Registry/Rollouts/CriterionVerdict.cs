using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Rollouts;

/// <summary>
/// One criterion judged over one interval, with its evidence: what was measured on each side, the
/// test, and the verdict. Stored with the rollout, printed by <c>mlops rollout status</c>, sent in
/// webhooks and written to the audit trail.
/// </summary>
/// <param name="Criterion">The criterion: <c>error_rate</c>, <c>latency</c>, <c>disagreement</c>, <c>drift</c>, <c>accuracy</c>.</param>
/// <param name="Value">The measured figure the limit applies to (percentage points, a ratio, a percent, a score), NaN when there is none.</param>
/// <param name="Limit">The configured limit.</param>
/// <param name="Stable">The stable version's figure, where the criterion compares (NaN otherwise).</param>
/// <param name="Canary">The canary's figure.</param>
/// <param name="StableSamples">Samples on the stable side.</param>
/// <param name="CanarySamples">Samples on the canary's side.</param>
/// <param name="Test">The test that decided, for people: <c>two-proportion z, one-sided, p=0.003</c>.</param>
/// <param name="PValue">The test's p-value, NaN when none was run.</param>
/// <param name="Verdict">The verdict.</param>
/// <param name="Reason">One sentence a person can act on: why this verdict.</param>
// NaN (no figure) is written as "NaN": plain JSON numbers cannot hold it, and the record is stored and posted.
[JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)]
public sealed record CriterionVerdict(
    [property: JsonPropertyName("criterion")] string Criterion,
    [property: JsonPropertyName("value")] double Value,
    [property: JsonPropertyName("limit")] double Limit,
    [property: JsonPropertyName("stable")] double Stable,
    [property: JsonPropertyName("canary")] double Canary,
    [property: JsonPropertyName("stable_samples")] long StableSamples,
    [property: JsonPropertyName("canary_samples")] long CanarySamples,
    [property: JsonPropertyName("test")] string Test,
    [property: JsonPropertyName("p_value")] double PValue,
    [property: JsonPropertyName("verdict")] Verdict Verdict,
    [property: JsonPropertyName("reason")] string Reason);
