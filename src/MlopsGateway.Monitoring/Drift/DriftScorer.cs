using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Monitoring.Drift;

/// <summary>
/// Scores one window of live counts against a version's baseline: per input feature and for the
/// prediction, PSI, Jensen-Shannon distance and Kolmogorov-Smirnov (numbers) or chi-square
/// (categories), each against a threshold calibrated to the window's row count; then the model's state.
/// </summary>
/// <remarks>
/// A feature's state comes from its primary test (Kolmogorov-Smirnov on the binned CDF for a number,
/// chi-square for a category); PSI and Jensen-Shannon are reported with their own calibrated
/// thresholds for the dashboards people already read them on. Thread-safe; keep one per process
/// so calibrated thresholds are reused (they are cached by baseline, feature and row count).
/// </remarks>
public sealed class DriftScorer
{
    private static readonly DriftMethod[] s_numericMethods = [DriftMethod.KolmogorovSmirnov, DriftMethod.Psi, DriftMethod.JensenShannon];
    private static readonly DriftMethod[] s_categoricalMethods = [DriftMethod.ChiSquare, DriftMethod.Psi, DriftMethod.JensenShannon];

    internal ThresholdCalibrator Calibrator { get; } = new();

    /// <summary>Scores <paramref name="window"/> against <paramref name="profile"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid, or the window's bins are not the baseline's.</exception>
    public DriftReport Score(BaselineProfile profile, WindowCounts window, DriftOptions options)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }
        CheckShape(profile, window);

        var features = new FeatureDrift[profile.Features.Count];
        var scored = 0;
        var drifting = 0;
        for (var i = 0; i < features.Length; i++)
        {
            var missing = i < window.Missing.Count ? window.Missing[i] : 0;
            features[i] = ScoreFeature(profile, i, profile.Features[i], window.Features[i], missing, options);
            if (features[i].State != DriftState.Insufficient)
            {
                scored++;
                drifting += features[i].State == DriftState.Drift ? 1 : 0;
            }
        }
        var prediction = profile.Prediction is { } predicted && window.Prediction is { } counts
            ? ScoreFeature(profile, -1, predicted, counts, 0, options)
            : null;

        var share = scored == 0 ? 0 : (double)drifting / scored;
        var state = window.Rows < options.MinRows || scored == 0 ? DriftState.Insufficient
            : share >= options.DriftShare ? DriftState.Drift
            : DriftState.Ok;
        return new DriftReport(
            window.Model, window.Version, window.From, window.To, window.Rows, state, share, options.DriftShare, features, prediction);
    }

    private FeatureDrift ScoreFeature(BaselineProfile profile, int index, FeatureProfile feature, long[] counts, long missing, DriftOptions options)
    {
        var methods = feature.Kind == FeatureKind.Numeric ? s_numericMethods : s_categoricalMethods;
        long rows = 0;
        foreach (var count in counts)
        {
            rows += count;
        }
        var reference = BinReference.Create(feature);
        var scores = new DriftScore[methods.Length];
        if (reference is null || rows == 0)
        {
            for (var m = 0; m < methods.Length; m++)
            {
                scores[m] = new DriftScore(methods[m], double.NaN, double.NaN, false);
            }
            return new FeatureDrift(feature.Name, feature.Kind, rows, missing, methods[0], DriftState.Insufficient, scores);
        }

        var measured = reference.Measure(counts, rows, ThresholdCalibrator.EffectiveRows(rows, reference.Rows));
        if (rows < options.MinRows)
        {
            for (var m = 0; m < methods.Length; m++)
            {
                scores[m] = new DriftScore(methods[m], measured.Of(methods[m]), double.NaN, false);
            }
            return new FeatureDrift(feature.Name, feature.Kind, rows, missing, methods[0], DriftState.Insufficient, scores);
        }

        var thresholds = Calibrator.Thresholds(profile, index, reference, rows, options);
        for (var m = 0; m < methods.Length; m++)
        {
            var score = measured.Of(methods[m]);
            var threshold = thresholds.Of(methods[m]);
            scores[m] = new DriftScore(methods[m], score, threshold, score > threshold);
        }
        var state = scores[0].Exceeded ? DriftState.Drift : DriftState.Ok;
        return new FeatureDrift(feature.Name, feature.Kind, rows, missing, methods[0], state, scores);
    }

    private static void CheckShape(BaselineProfile profile, WindowCounts window)
    {
        if (window.Features.Count != profile.Features.Count)
        {
            throw new ArgumentException(
                $"the window of {window.Model} {window.Version} has {window.Features.Count} features, its baseline {profile.Features.Count}",
                nameof(window));
        }
        for (var i = 0; i < profile.Features.Count; i++)
        {
            if (window.Features[i].Length != profile.Features[i].BinCount)
            {
                throw new ArgumentException(
                    $"the window's feature '{profile.Features[i].Name}' has {window.Features[i].Length} bins, its baseline {profile.Features[i].BinCount}",
                    nameof(window));
            }
        }
        if (profile.Prediction is { } prediction && window.Prediction is { } counts && counts.Length != prediction.BinCount)
        {
            throw new ArgumentException(
                $"the window's prediction has {counts.Length} bins, its baseline {prediction.BinCount}", nameof(window));
        }
    }
}
