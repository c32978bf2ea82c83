using System.Text.Json.Serialization;

namespace MlopsGateway.Monitoring.Quality;

/// <summary>
/// What one model version's live traffic and labels said over one evaluation: drift per feature and
/// for the prediction, the model's drift state, accuracy figures with their intervals, and label
/// coverage. What the gauges, the alert tracker and <c>mlops monitor status</c> all read.
/// </summary>
/// <param name="Model">The model.</param>
/// <param name="Version">The version.</param>
/// <param name="EvaluatedAt">The end of both windows.</param>
/// <param name="DriftWindow">How far back the drift counts reach.</param>
/// <param name="AccuracyWindow">How far back predictions and labels reach.</param>
/// <param name="DriftState">The model's drift state: <see cref="DriftStates.Ok"/>, <see cref="DriftStates.Drift"/> or <see cref="DriftStates.Insufficient"/>.</param>
/// <param name="Rows">Rows counted in the drift window.</param>
/// <param name="Features">One row per feature (and the prediction) and method.</param>
/// <param name="Accuracy">The accuracy figures of the labelled predictions; empty without labels.</param>
/// <param name="Predictions">Predictions recorded in the accuracy window.</param>
/// <param name="Labels">Of those, how many got a label (after excluded senders' labels are dropped).</param>
/// <param name="LabelDelay">The median time from prediction to label; null without labels.</param>
public sealed record MonitorReport(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("evaluated_at")] DateTimeOffset EvaluatedAt,
    [property: JsonPropertyName("drift_window")] TimeSpan DriftWindow,
    [property: JsonPropertyName("accuracy_window")] TimeSpan AccuracyWindow,
    [property: JsonPropertyName("drift_state")] string DriftState,
    [property: JsonPropertyName("rows")] long Rows,
    [property: JsonPropertyName("features")] IReadOnlyList<DriftRow> Features,
    [property: JsonPropertyName("accuracy")] IReadOnlyList<AccuracyFigure> Accuracy,
    [property: JsonPropertyName("predictions")] long Predictions,
    [property: JsonPropertyName("labels")] long Labels,
    [property: JsonPropertyName("label_delay")] TimeSpan? LabelDelay)
{
    /// <summary>Labels per recorded prediction in the accuracy window; null when nothing was recorded.</summary>
    [JsonPropertyName("coverage")]
    public double? Coverage => Predictions > 0 ? Math.Min(1, (double)Labels / Predictions) : null;
}

/// <summary>One feature's (or the prediction's) drift by one method over the window.</summary>
/// <param name="Feature">The feature's name, or <c>prediction</c>.</param>
/// <param name="Method">The method (<c>psi</c>, <c>js</c>, <c>ks</c>, <c>chi2</c>).</param>
/// <param name="Score">The score.</param>
/// <param name="Threshold">The score above which this window counts as drift, calibrated to its row count.</param>
/// <param name="Rows">Rows the score was computed over.</param>
/// <param name="State">The feature's state, the same on each of its rows: <see cref="DriftStates.Ok"/>, <see cref="DriftStates.Drift"/> or <see cref="DriftStates.Insufficient"/>.</param>
/// <param name="Primary">Whether this method judges the feature's state (Kolmogorov-Smirnov for a number, chi-square for a category); the others are shown beside it.</param>
public sealed record DriftRow(
    [property: JsonPropertyName("feature")] string Feature,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("score"), JsonConverter(typeof(UndefinedAsNullConverter))] double Score,
    [property: JsonPropertyName("threshold"), JsonConverter(typeof(UndefinedAsNullConverter))] double Threshold,
    [property: JsonPropertyName("rows")] long Rows,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("primary")] bool Primary = true);

/// <summary>One accuracy figure with its 95% interval.</summary>
/// <param name="Metric">Its name: <c>accuracy</c>, <c>log_loss</c>, <c>mae</c>, <c>rmse</c>, <c>precision:CLASS</c>, ...</param>
/// <param name="Value">The figure.</param>
/// <param name="Lower">The interval's lower bound; NaN where it is not defined (null in JSON, "n/a" in text: <see cref="FigureText"/>).</param>
/// <param name="Upper">The interval's upper bound; NaN where it is not defined.</param>
public sealed record AccuracyFigure(
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("value"), JsonConverter(typeof(UndefinedAsNullConverter))] double Value,
    [property: JsonPropertyName("lower"), JsonConverter(typeof(UndefinedAsNullConverter))] double Lower,
    [property: JsonPropertyName("upper"), JsonConverter(typeof(UndefinedAsNullConverter))] double Upper);

/// <summary>The states a feature or a model can be in, as the gauges, events and the CLI print them.</summary>
public static class DriftStates
{
    /// <summary>Close enough to the baseline.</summary>
    public const string Ok = "ok";

    /// <summary>Beyond the calibrated threshold.</summary>
    public const string Drift = "drift";

    /// <summary>Too few rows in the window to say.</summary>
    public const string Insufficient = "insufficient";
}
