using MlopsGateway.LoadTest;
using MlopsGateway.Monitoring;

namespace MlopsGateway.Tests.LoadTest;

public class HistogramQuantileTests
{
    [Theory]
    [InlineData(0.05, 0.05)] // rank 5 in the first bucket: interpolated from 0
    [InlineData(0.50, 0.30)] // rank 50 in (0.2, 0.5], 20 of its 60
    [InlineData(0.90, 0.50)] // rank 90 is the last of (0.2, 0.5]
    [InlineData(0.99, 0.50)] // rank 99 in +Inf: the highest finite bound, as Prometheus answers
    public void HistogramQuantile_CumulativeBuckets_InterpolatesAsPrometheus(double q, double expected)
    {
        (double, double)[] buckets = [(0.1, 10), (0.2, 30), (0.5, 90), (double.PositiveInfinity, 100)];

        Assert.Equal(expected, ServerMetricsProbe.HistogramQuantile(buckets, q), 9);
    }

    [Fact]
    public void HistogramQuantile_NoObservations_IsNaN()
    {
        Assert.True(double.IsNaN(ServerMetricsProbe.HistogramQuantile([(0.1, 0), (double.PositiveInfinity, 0)], 0.5)));
        Assert.True(double.IsNaN(ServerMetricsProbe.HistogramQuantile([], 0.5)));
    }

    [Theory]
    [InlineData(0.0003, 1.0)] // sub-millisecond tabular model
    [InlineData(0.025, 0.5)] // an image model
    [InlineData(0.4, 0.3)] // a large batch
    public void LatencyBuckets_LogNormalLatencies_EstimatedPercentilesWithinOneBucketRatio(double median, double sigma)
    {
        // Latencies spread over a decade or more, bucketed with the exporters' bounds, then estimated.
        var random = new Random(7);
        var samples = Enumerable.Range(0, 20_000)
            .Select(_ => median * Math.Exp(sigma * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))
            .Order().ToArray();
        var bounds = LatencyBuckets.Seconds.Append(double.PositiveInfinity).ToArray();
        var cumulative = bounds.Select(b => (b, (double)samples.Count(s => s <= b))).ToArray();

        foreach (var q in new[] { 0.5, 0.9, 0.99 })
        {
            var exact = samples[(int)(q * samples.Length) - 1];
            var estimate = ServerMetricsProbe.HistogramQuantile(cumulative, q);
            // Neighbouring bounds differ by at most 1.67x, and linear interpolation inside a bucket does far better than that.
            Assert.InRange(estimate / exact, 1 / 1.15, 1.15);
        }
    }

    [Fact]
    public void LatencyBuckets_Seconds_AscendingFrom50MicrosecondsTo30SecondsAtMost167PercentApart()
    {
        var bounds = LatencyBuckets.Seconds;

        Assert.Equal(0.00005, bounds[0]);
        Assert.Equal(30, bounds[^1]);
        Assert.All(bounds.Zip(bounds.Skip(1)), pair => Assert.InRange(pair.Second / pair.First, 1.2, 1.67));
    }
}
