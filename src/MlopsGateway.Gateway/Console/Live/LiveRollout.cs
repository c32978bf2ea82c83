using MlopsGateway.Registry.Rollouts;

namespace MlopsGateway.Gateway.Console.Live;

/// <summary>One criterion judged over one window, as the live view shows it; a figure that is not defined is null.</summary>
/// <param name="Criterion">The criterion (<c>error_rate</c>, <c>latency</c>, ...).</param>
/// <param name="Verdict"><c>pass</c>, <c>fail</c> or <c>inconclusive</c>.</param>
/// <param name="Value">The figure the limit applies to.</param>
/// <param name="Limit">The limit.</param>
/// <param name="Stable">The stable version's figure, where the criterion compares.</param>
/// <param name="Canary">The canary's figure.</param>
/// <param name="StableSamples">Samples on the stable side.</param>
/// <param name="CanarySamples">Samples on the canary's side.</param>
/// <param name="Test">The test that decided.</param>
/// <param name="Reason">Why this verdict.</param>
internal sealed record LiveVerdict(
    string Criterion, string Verdict, double? Value, double? Limit, double? Stable, double? Canary,
    long StableSamples, long CanarySamples, string Test, string Reason)
{
    public static LiveVerdict Of(CriterionVerdict v) => new(
        v.Criterion, v.Verdict.ToString().ToLowerInvariant(), Defined(v.Value), Defined(v.Limit), Defined(v.Stable), Defined(v.Canary),
        v.StableSamples, v.CanarySamples, v.Test, v.Reason);

    // The record stores NaN for "no figure"; the page shows null as a dash.
    private static double? Defined(double value) => double.IsFinite(value) ? value : null;
}

/// <summary>One judged window of a rollout: its step, the canary's weight, every verdict and what followed.</summary>
internal sealed record LiveWindow(string Phase, int Step, double Weight, DateTimeOffset From, DateTimeOffset To, string Decision, IReadOnlyList<LiveVerdict> Verdicts);

/// <summary>
/// A model's rollout (running or the last one) as the live view shows it: its steps, where it stands
/// and every judged window with its verdicts; never its webhook (a secret) nor its fencing token.
/// </summary>
internal sealed record LiveRollout(
    string Canary, string Stable, IReadOnlyList<double> Steps, int Step, string Phase, bool Paused, bool DryRun, double Weight,
    string Reason, DateTimeOffset StartedAt, string StartedBy, DateTimeOffset NextAt, IReadOnlyList<LiveWindow> History)
{
    public static LiveRollout Of(RolloutRecord r) => new(
        r.Canary, r.Stable, r.Steps, r.Step, r.Phase, r.Paused, r.DryRun, r.Weight, r.Reason, r.StartedAt, r.StartedBy, r.NextAt,
        [.. r.History.Select(w => new LiveWindow(w.Phase, w.Step, w.Weight, w.From, w.To, w.Decision, [.. w.Verdicts.Select(LiveVerdict.Of)]))]);
}
