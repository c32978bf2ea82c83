using HdrHistogram;

namespace MlopsGateway.LoadTest;

/// <summary>Latency of a level's successful requests, in milliseconds, read from its HdrHistogram.</summary>
public sealed record LatencySummary(
    double Min, double Mean, double P50, double P90, double P95, double P99, double P999, double Max)
{
    /// <summary>Nothing recorded.</summary>
    public static LatencySummary Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>Reads a histogram of microseconds.</summary>
    public static LatencySummary From(HistogramBase histogram)
    {
        if (histogram.TotalCount == 0)
        {
            return Empty;
        }
        return new LatencySummary(
            Milliseconds(Lowest(histogram)),
            histogram.GetMean() / 1000.0,
            Milliseconds(histogram.GetValueAtPercentile(50)),
            Milliseconds(histogram.GetValueAtPercentile(90)),
            Milliseconds(histogram.GetValueAtPercentile(95)),
            Milliseconds(histogram.GetValueAtPercentile(99)),
            Milliseconds(histogram.GetValueAtPercentile(99.9)),
            Milliseconds(histogram.GetMaxValue()));
    }

    /// <summary>The value of a named percentile: 50, 90, 95, 99, 99.9, or 100 for the maximum.</summary>
    public double Percentile(double percentile) => percentile switch
    {
        50 => P50,
        90 => P90,
        95 => P95,
        99 => P99,
        99.9 => P999,
        100 => Max,
        _ => throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "Use 50, 90, 95, 99, 99.9 or 100."),
    };

    private static double Milliseconds(long microseconds) => microseconds / 1000.0;

    private static long Lowest(HistogramBase histogram)
    {
        foreach (var bucket in histogram.RecordedValues())
        {
            if (bucket.CountAtValueIteratedTo > 0)
            {
                return histogram.LowestEquivalentValue(bucket.ValueIteratedTo);
            }
        }
        return 0;
    }
}
