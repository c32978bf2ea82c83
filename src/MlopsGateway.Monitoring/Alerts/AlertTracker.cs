using System.Globalization;
using MlopsGateway.Monitoring.Quality;

namespace MlopsGateway.Monitoring.Alerts;

/// <summary>
/// Turns a stream of <see cref="MonitorReport"/>s into alert starts and ends, with hysteresis
/// (<see cref="AlertRules"/>): per model version, one drift alert per feature, one for the model as a
/// whole (feature <c>*</c>), and one accuracy alert. A window with too few rows or labels changes
/// nothing. DI-free and single-threaded: one evaluation loop feeds it.
/// </summary>
public sealed class AlertTracker(AlertRules rules)
{
    private readonly Dictionary<string, AlertState> _alerts = new(StringComparer.Ordinal);

    /// <summary>The rules it follows.</summary>
    public AlertRules Rules => rules;

    /// <summary>Alerts firing now: each key with its episode.</summary>
    public IReadOnlyList<(string Key, string Episode)> Firing => _alerts.Where(a => a.Value.Firing).Select(a => (a.Key, a.Value.Episode)).ToArray();

    /// <summary>Takes <paramref name="episode"/> as the firing episode of <paramref name="key"/>: the one the gateways agreed on, which another may have started.</summary>
    public void Adopt(string key, string episode)
    {
        if (_alerts.TryGetValue(key, out var state) && state.Firing)
        {
            state.Episode = episode;
        }
    }

    /// <summary>
    /// Takes one evaluation of one version; returns the transitions it caused, each an event whose
    /// <see cref="AlertEvent.Id"/> is this tracker's own (<see cref="AlertTransition.Episode"/> based);
    /// several gateways agree on one id through <c>AlertClaims</c>.
    /// </summary>
    public IReadOnlyList<AlertTransition> Observe(MonitorReport report)
    {
        var transitions = new List<AlertTransition>();
        foreach (var group in report.Features.GroupBy(f => f.Feature, StringComparer.Ordinal))
        {
            // The feature's state is the same on each of its rows; the row shown is the one that judged it.
            var judged = group.FirstOrDefault(f => f.Primary) ?? group.First();
            var observation = judged.State switch
            {
                DriftStates.Drift => true,
                DriftStates.Ok => false,
                _ => (bool?)null,
            };
            Step(transitions, report, AlertEvent.DriftKind, judged.Feature, observation,
                (status, id, since) => DriftEvent(report, judged, status, id, since));
        }
        var modelObservation = report.DriftState switch
        {
            DriftStates.Drift => true,
            DriftStates.Ok => false,
            _ => (bool?)null,
        };
        var drifted = report.Features.Where(f => f.State == DriftStates.Drift).Select(f => f.Feature).Distinct().ToArray();
        Step(transitions, report, AlertEvent.DriftKind, ModelSubject, modelObservation,
            (status, id, since) => new AlertEvent(id, status, AlertEvent.DriftKind, report.Model, report.Version, ModelSubject, null, null,
                drifted.Length, report.Features.Select(f => f.Feature).Distinct().Count(), null, null, report.Rows, since, report.EvaluatedAt,
                status == AlertEvent.Started
                    ? $"{report.Model} version {report.Version} drifted: {string.Join(", ", drifted)} ({report.Rows} rows)"
                    : $"{report.Model} version {report.Version} no longer drifts"));
        if (rules.AccuracyBelow is { } below)
        {
            var figure = report.Accuracy.FirstOrDefault(a => a.Metric == rules.AccuracyMetric);
            bool? observation = figure is null || report.Labels < rules.MinLabels ? null : figure.Lower < below;
            Step(transitions, report, AlertEvent.AccuracyKind, rules.AccuracyMetric, observation,
                (status, id, since) => AccuracyEvent(report, figure, below, status, id, since));
        }
        return transitions;
    }

    /// <summary>The subject of a model-wide drift alert.</summary>
    public const string ModelSubject = "*";

    /// <summary>The key naming one alert, the same in every gateway.</summary>
    public static string KeyOf(string kind, string model, string version, string subject) => $"{kind}:{model}:{version}:{subject}";

    private void Step(List<AlertTransition> transitions, MonitorReport report, string kind, string subject, bool? bad,
        Func<string, string, DateTimeOffset, AlertEvent> make)
    {
        if (bad is not { } isBad)
        {
            return;
        }
        var key = KeyOf(kind, report.Model, report.Version, subject);
        if (!_alerts.TryGetValue(key, out var state))
        {
            _alerts[key] = state = new AlertState();
        }
        state.Streak = isBad == state.Firing ? 0 : state.Streak + 1;
        if (!state.Firing && state.Streak >= rules.StartAfter)
        {
            state.Firing = true;
            state.Streak = 0;
            state.Since = report.EvaluatedAt;
            state.Episode = $"{key}@{report.EvaluatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}";
            transitions.Add(new AlertTransition(key, state.Episode, AlertEvent.Started, make(AlertEvent.Started, state.Episode + ":" + AlertEvent.Started, state.Since)));
        }
        else if (state.Firing && state.Streak >= rules.EndAfter)
        {
            state.Firing = false;
            state.Streak = 0;
            transitions.Add(new AlertTransition(key, state.Episode, AlertEvent.Ended, make(AlertEvent.Ended, state.Episode + ":" + AlertEvent.Ended, state.Since)));
        }
    }

    private static AlertEvent DriftEvent(MonitorReport report, DriftRow row, string status, string id, DateTimeOffset since) =>
        new(id, status, AlertEvent.DriftKind, report.Model, report.Version, row.Feature, null, row.Method, row.Score, row.Threshold, null, null,
            row.Rows, since, report.EvaluatedAt,
            status == AlertEvent.Started
                ? FormattableString.Invariant($"{report.Model} version {report.Version}: feature {row.Feature} drifted ({row.Method} {row.Score:0.####} over its threshold {row.Threshold:0.####}, {row.Rows} rows)")
                : FormattableString.Invariant($"{report.Model} version {report.Version}: feature {row.Feature} is back to its baseline ({row.Method} {row.Score:0.####}, threshold {row.Threshold:0.####}, {row.Rows} rows)"));

    private static AlertEvent AccuracyEvent(MonitorReport report, AccuracyFigure? figure, double below, string status, string id, DateTimeOffset since) =>
        new(id, status, AlertEvent.AccuracyKind, report.Model, report.Version, null, figure?.Metric, null, figure?.Value ?? 0, below,
            Defined(figure?.Lower), Defined(figure?.Upper), report.Labels, since, report.EvaluatedAt,
            status == AlertEvent.Started
                ? FormattableString.Invariant($"{report.Model} version {report.Version}: {figure?.Metric} {figure?.Value:0.###} (95% {FigureText.Interval(figure?.Lower, figure?.Upper, "0.###")}, {report.Labels} labels) is under {below:0.###}")
                : FormattableString.Invariant($"{report.Model} version {report.Version}: {figure?.Metric} {figure?.Value:0.###} (95% {FigureText.Interval(figure?.Lower, figure?.Upper, "0.###")}, {report.Labels} labels) is back to {below:0.###} or more"));

    // An event's bound that is not defined is left out (null), as JSON cannot hold NaN.
    private static double? Defined(double? bound) => bound is { } b && double.IsFinite(b) ? b : null;

    private sealed class AlertState
    {
        public bool Firing { get; set; }

        // Consecutive evaluations that disagree with Firing.
        public int Streak { get; set; }

        public DateTimeOffset Since { get; set; }

        public string Episode { get; set; } = "";
    }
}

/// <summary>One alert starting or ending.</summary>
/// <param name="Key">The alert (<see cref="AlertTracker.KeyOf"/>).</param>
/// <param name="Episode">This firing of it: the key and when it started.</param>
/// <param name="Status"><see cref="AlertEvent.Started"/> or <see cref="AlertEvent.Ended"/>.</param>
/// <param name="Event">What the webhook gets.</param>
public sealed record AlertTransition(string Key, string Episode, string Status, AlertEvent Event);
