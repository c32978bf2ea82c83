namespace MlopsGateway.LoadTest;

/// <summary>
/// One of the worker's duration histograms over a level, in milliseconds: the mean from its sum and
/// count, the percentiles interpolated inside its buckets as Prometheus' <c>histogram_quantile</c>
/// does (so they are estimates, within the bucket that holds them).
/// </summary>
/// <param name="Count">Observations in the level.</param>
/// <param name="Mean">The exact mean, from the histogram's sum and count.</param>
/// <param name="P50">The median, estimated.</param>
/// <param name="P90">The 90th percentile, estimated.</param>
/// <param name="P99">The 99th percentile, estimated.</param>
public sealed record ServerDuration(long Count, double Mean, double P50, double P90, double P99);
