namespace MlopsGateway.LoadTest;

/// <summary>One sample line of a Prometheus text page: <c>name{label="value",…} value</c>.</summary>
/// <param name="Name">The series name, e.g. <c>mlops_worker_queue_duration_seconds_sum</c>.</param>
/// <param name="Labels">The labels, empty when the line has none.</param>
/// <param name="Value">The value; may be NaN or infinite.</param>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    /// <summary>The value of <paramref name="label"/>, or an empty string.</summary>
    public string Label(string label) => Labels.TryGetValue(label, out var value) ? value : "";
}
