using MlopsGateway.Monitoring;
using MlopsGateway.Monitoring.Rollouts;

namespace MlopsGateway.Tests.Monitoring.Rollouts;

/// <summary>The binned statistics against figures worked by hand.</summary>
public class LatencyHistogramTests
{
    private static long[] Counts(params (int Bin, long Count)[] bins)
    {
        var counts = new long[LatencyBuckets.Seconds.Count + 1];
        foreach (var (bin, count) in bins)
        {
            counts[bin] = count;
        }
        return counts;
    }

    [Fact]
    public void Quantile_InterpolatesInsideTheBucket()
    {
        var bounds = LatencyBuckets.Seconds;
        // 50 calls in bucket 4, 50 in bucket 5: the median is bucket 4's upper bound, p75 halfway through bucket 5.
        var counts = Counts((4, 50), (5, 50));

        Assert.Equal(bounds[4], LatencyHistogram.Quantile(counts, 0.5), 12);
        Assert.Equal(bounds[4] + ((bounds[5] - bounds[4]) / 2), LatencyHistogram.Quantile(counts, 0.75), 12);
        Assert.Equal(bounds[^1], LatencyHistogram.Quantile(Counts((bounds.Count, 3)), 0.99));
        Assert.True(double.IsNaN(LatencyHistogram.Quantile(Counts(), 0.99)));
    }

    [Fact]
    public void MannWhitney_SeparatedSamples_UIsEveryPair()
    {
        var result = LatencyHistogram.MannWhitneyGreater(Counts((2, 3)), Counts((7, 4)));

        Assert.Equal(12, result.U);
        Assert.Equal(1, result.Superiority);
        Assert.Equal(1, result.RankBiserial);
        // n1=3, n2=4: mean 6, σ² = 12/12·(8 − (3³−3 + 4³−4)/(7·6)) = 8 − 2 = 6.
        Assert.Equal((12 - 6 - 0.5) / Math.Sqrt(6), result.Z, 10);
    }

    [Fact]
    public void MannWhitney_AllTiedInOneBucket_NothingToTellApart()
    {
        var result = LatencyHistogram.MannWhitneyGreater(Counts((5, 10)), Counts((5, 20)));

        Assert.Equal(0.5, result.Superiority);
        Assert.Equal(1, result.PValue);
    }

    [Fact]
    public void MannWhitney_PartlyTied_MidRanks()
    {
        // Stable: 2 calls in bucket 1, 2 in bucket 3; canary: 2 in bucket 3. Ranks: bucket 1 → 1.5, bucket 3 → 4.5 (ranks 3-6).
        var result = LatencyHistogram.MannWhitneyGreater(Counts((1, 2), (3, 2)), Counts((3, 2)));

        // W = 2·4.5 = 9; U = 9 − 2·3/2 = 6 of 8 pairs: 4 won, 4 tied (½ each).
        Assert.Equal(6, result.U);
        Assert.Equal(0.75, result.Superiority);
    }
}
