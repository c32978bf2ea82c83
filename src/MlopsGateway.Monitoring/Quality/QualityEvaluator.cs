using MlopsGateway.Monitoring.Accuracy;
using MlopsGateway.Monitoring.Drift;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Drift;
using MlopsGateway.Registry.Feedback;
using StackExchange.Redis;

namespace MlopsGateway.Monitoring.Quality;

/// <summary>
/// Evaluates a model version from what Redis holds: its baseline, the drift counts every worker
/// flushed over the drift window (scored by <see cref="DriftScorer"/>), and the labelled predictions and
/// prediction counts over the accuracy window (figures by <see cref="AccuracyCalculator"/>).
/// Keep one per process: the scorer caches its calibrated thresholds.
/// </summary>
public sealed class QualityEvaluator : IMonitorReportSource
{
    private readonly BaselineStore _baselines;
    private readonly DriftCountStore _counts;
    private readonly FeedbackStore _feedback;
    private readonly DriftScorer _scorer = new();
    private readonly QualityWindows _windows;
    private readonly DriftOptions _drift;

    /// <summary>An evaluator over <paramref name="redis"/> in namespace <paramref name="keys"/>.</summary>
    public QualityEvaluator(IConnectionMultiplexer redis, RedisKeys keys, QualityWindows windows)
    {
        _baselines = new BaselineStore(redis, keys);
        _counts = new DriftCountStore(redis, keys);
        _feedback = new FeedbackStore(redis, keys, baselines: (m, v) => _baselines.GetAsync(m, v));
        _windows = windows;
        _drift = new DriftOptions { Window = windows.Drift, FalseAlarmRate = windows.FalseAlarmRate };
    }

    /// <summary>Faults met in the records read (counts that were not the baseline's bins, say), for the caller to log.</summary>
    public event Action<RecordFault>? Fault;

    /// <inheritdoc />
    public async Task<MonitorReport?> EvaluateAsync(string model, string version, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var baseline = await _baselines.GetAsync(model, version).ConfigureAwait(false);
        var accuracyFrom = at - _windows.Accuracy;
        var predictionsTask = _feedback.CountPredictionsAsync(model, version, accuracyFrom, at);
        var labelledTask = _feedback.ReadLabelledAsync(model, version, accuracyFrom, at);
        var predictions = await predictionsTask.ConfigureAwait(false);
        var labelled = await labelledTask.ConfigureAwait(false);
        if (baseline is null && predictions == 0 && labelled.Count == 0)
        {
            return null;
        }
        var state = DriftStates.Insufficient;
        long rows = 0;
        IReadOnlyList<DriftRow> features = [];
        if (baseline is not null)
        {
            var faults = new List<RecordFault>();
            var counts = await _counts.ReadAsync(model, version, at - _windows.Drift, at, baseline, faults).ConfigureAwait(false);
            foreach (var fault in faults)
            {
                Fault?.Invoke(fault);
            }
            var drift = _scorer.Score(baseline, counts, _drift);
            state = drift.State.ToLabel();
            rows = drift.Rows;
            features = Rows(drift);
        }
        var classes = baseline?.Classes ?? await RecordedClassesAsync(model, version).ConfigureAwait(false);
        var accuracy = AccuracyCalculator.Compute(labelled, classes, predictions);
        return new MonitorReport(model, version, at, _windows.Drift, _windows.Accuracy, state, rows, features,
            accuracy.Metrics.Select(m => new AccuracyFigure(m.Label, m.Value, m.Lower, m.Upper)).ToArray(),
            predictions, accuracy.Labels, accuracy.DelayMedian);
    }

    // A version without a baseline is judged by the classes its workers recorded it predicting, as its
    // labels were; without them a classifier's labels would be read as a regressor's, and none would count.
    private async Task<IReadOnlyList<string>> RecordedClassesAsync(string model, string version)
    {
        try
        {
            return (await _feedback.GetSchemaAsync(model, version).ConfigureAwait(false))?.Classes ?? [];
        }
        catch (FeedbackRecordException ex)
        {
            Fault?.Invoke(ex.Fault);
            return [];
        }
    }

    private static DriftRow[] Rows(DriftReport drift) =>
        drift.Features.Concat(drift.Prediction is { } prediction ? [prediction] : [])
            .SelectMany(f => f.Scores.Select(s => new DriftRow(f.Name, s.Method.ToLabel(), s.Score, s.Threshold, f.Rows, f.State.ToLabel(), s.Method == f.Primary)))
            .ToArray();
}
