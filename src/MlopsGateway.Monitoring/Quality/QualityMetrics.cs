using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MlopsGateway.Monitoring.Quality;

/// <summary>
/// The model-quality gauges, read from the latest <see cref="MonitorReport"/>s of each host that
/// publishes them: <c>mlops_model_drift_score</c>, <c>_threshold</c>, <c>mlops_model_drift_detected</c>,
/// <c>mlops_model_accuracy</c> with <c>_lower</c>/<c>_upper</c>, and <c>mlops_model_label_coverage</c>.
/// A version no longer evaluated drops out of the page.
/// </summary>
/// <remarks>
/// One meter for the process, never disposed: OpenTelemetry 1.20 stops exporting every meter of a name
/// once any meter of that name is disposed (open-telemetry/opentelemetry-dotnet#6412), and a host's
/// meter is disposed with it. Each host registers its reports here and leaves when disposed.
/// </remarks>
public sealed class QualityMetrics : IDisposable
{
    /// <summary>The meter's name, for OpenTelemetry's <c>AddMeter</c>.</summary>
    public const string MeterName = "MlopsGateway.Quality";

    private static readonly Meter s_meter = new(MeterName);
    private static readonly ConcurrentDictionary<QualityMetrics, byte> s_live = new();

    // Instruments without a unit: the Prometheus exporter appends one to the name (_ratio for "1"), and these names are a contract.
    private static readonly ObservableGauge<double> s_driftScore = s_meter.CreateObservableGauge("mlops.model.drift.score",
        () => Observe(DriftScores), unit: null, "Drift score of a feature (or the prediction) over the drift window, by model, version, feature and method.");
    private static readonly ObservableGauge<double> s_driftThreshold = s_meter.CreateObservableGauge("mlops.model.drift.threshold",
        () => Observe(DriftThresholds), unit: null, "The score above which the window counts as drift, calibrated to its row count for the configured false-alarm rate.");
    private static readonly ObservableGauge<int> s_driftDetected = s_meter.CreateObservableGauge("mlops.model.drift.detected",
        () => Observe(DriftDetected), unit: null, "1 while a feature (feature=\"*\": the model) drifts in the window, else 0; absent when the window has too few rows.");
    private static readonly ObservableGauge<double> s_accuracy = s_meter.CreateObservableGauge("mlops.model.accuracy",
        () => Observe(r => Accuracy(r, a => a.Value)), unit: null, "An accuracy figure (accuracy, log_loss, mae, rmse, precision/recall/f1 per class) of the labelled predictions in the accuracy window.");
    private static readonly ObservableGauge<double> s_accuracyLower = s_meter.CreateObservableGauge("mlops.model.accuracy.lower",
        () => Observe(r => Accuracy(r, a => a.Lower)), unit: null, "Lower bound of the figure's 95% interval.");
    private static readonly ObservableGauge<double> s_accuracyUpper = s_meter.CreateObservableGauge("mlops.model.accuracy.upper",
        () => Observe(r => Accuracy(r, a => a.Upper)), unit: null, "Upper bound of the figure's 95% interval.");
    private static readonly ObservableGauge<double> s_coverage = s_meter.CreateObservableGauge("mlops.model.label.coverage",
        () => Observe(Coverage), unit: null, "Labels received per prediction recorded in the accuracy window.");

    private volatile IReadOnlyList<MonitorReport> _reports = [];

    /// <summary>Starts publishing this host's reports.</summary>
    public QualityMetrics()
    {
        // The static gauges exist once the type is initialised; touching one keeps the compiler from dropping them.
        GC.KeepAlive(s_driftScore);
        s_live[this] = 0;
    }

    /// <summary>The reports published now.</summary>
    public IReadOnlyList<MonitorReport> Reports => _reports;

    /// <summary>Replaces the reports published (the latest evaluation of every version).</summary>
    public void Publish(IReadOnlyList<MonitorReport> reports) => _reports = reports;

    /// <summary>Stops publishing.</summary>
    public void Dispose() => s_live.TryRemove(this, out _);

    private static IEnumerable<Measurement<T>> Observe<T>(Func<MonitorReport, IEnumerable<Measurement<T>>> of)
        where T : struct =>
        s_live.Keys.SelectMany(m => m._reports).SelectMany(of).ToArray();

    private static IEnumerable<Measurement<double>> DriftScores(MonitorReport r) =>
        r.Features.Select(f => new Measurement<double>(f.Score, Tags(r, ("feature", f.Feature), ("method", f.Method))));

    private static IEnumerable<Measurement<double>> DriftThresholds(MonitorReport r) =>
        r.Features.Select(f => new Measurement<double>(f.Threshold, Tags(r, ("feature", f.Feature), ("method", f.Method))));

    private static IEnumerable<Measurement<int>> DriftDetected(MonitorReport r)
    {
        foreach (var feature in r.Features.GroupBy(f => f.Feature, StringComparer.Ordinal))
        {
            var state = feature.First().State;
            if (state != DriftStates.Insufficient)
            {
                yield return new Measurement<int>(state == DriftStates.Drift ? 1 : 0, Tags(r, ("feature", feature.Key)));
            }
        }
        if (r.DriftState != DriftStates.Insufficient)
        {
            yield return new Measurement<int>(r.DriftState == DriftStates.Drift ? 1 : 0, Tags(r, ("feature", "*")));
        }
    }

    private static IEnumerable<Measurement<double>> Accuracy(MonitorReport r, Func<AccuracyFigure, double> value) =>
        r.Accuracy.Where(a => double.IsFinite(value(a))).Select(a => new Measurement<double>(value(a), Tags(r, ("metric", a.Metric))));

    private static IEnumerable<Measurement<double>> Coverage(MonitorReport r) =>
        r.Coverage is { } coverage ? [new Measurement<double>(coverage, Tags(r))] : [];

    private static TagList Tags(MonitorReport r, params ReadOnlySpan<(string Name, string Value)> more)
    {
        var tags = new TagList { { "model", r.Model }, { "version", r.Version } };
        foreach (var (name, value) in more)
        {
            tags.Add(name, value);
        }
        return tags;
    }
}
