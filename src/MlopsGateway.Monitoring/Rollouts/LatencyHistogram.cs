using MathNet.Numerics.Distributions;

namespace MlopsGateway.Monitoring.Rollouts;

/// <summary>
/// Statistics over latency histograms binned by <see cref="LatencyBuckets.Seconds"/> plus one
/// overflow entry (what <c>VersionTelemetry.Latency</c> holds): the gateways keep counts, not
/// samples, so the tests treat every call in one bucket as tied.
/// </summary>
public static class LatencyHistogram
{
    /// <summary>
    /// The <paramref name="quantile"/> (0 to 1) of <paramref name="counts"/>, interpolated linearly inside its
    /// bucket as Prometheus' <c>histogram_quantile</c> does (from 0 in the first bucket; the highest bound
    /// for the overflow); NaN without calls.
    /// </summary>
    public static double Quantile(IReadOnlyList<long> counts, double quantile)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var bounds = LatencyBuckets.Seconds;
        double total = counts.Sum();
        if (total <= 0)
        {
            return double.NaN;
        }
        var rank = quantile * total;
        double below = 0;
        for (var i = 0; i < counts.Count; i++)
        {
            var inBucket = counts[i];
            if (inBucket > 0 && below + inBucket >= rank)
            {
                if (i >= bounds.Count)
                {
                    return bounds[^1];
                }
                var lower = i == 0 ? 0 : bounds[i - 1];
                return lower + ((bounds[i] - lower) * Math.Clamp((rank - below) / inBucket, 0, 1));
            }
            below += inBucket;
        }
        return bounds[^1];
    }

    /// <summary>
    /// The Mann-Whitney U test of whether <paramref name="canary"/>'s latencies are stochastically greater
    /// than <paramref name="stable"/>'s: every bucket's calls share the mid-rank of the bucket, U is the
    /// canary's, and the one-sided p-value comes from the normal approximation with the tie correction
    /// (and a continuity correction of one half). The effect size is the probability of superiority
    /// (Vargha-Delaney A): P(canary slower) + P(tie)/2 = U / (n₁n₂); 0.5 means no difference.
    /// </summary>
    public static MannWhitney MannWhitneyGreater(IReadOnlyList<long> stable, IReadOnlyList<long> canary)
    {
        ArgumentNullException.ThrowIfNull(stable);
        ArgumentNullException.ThrowIfNull(canary);
        double stableCalls = stable.Sum(), canaryCalls = canary.Sum();
        var all = stableCalls + canaryCalls;
        if (stableCalls == 0 || canaryCalls == 0)
        {
            return new MannWhitney(double.NaN, double.NaN, double.NaN, double.NaN);
        }
        double before = 0, rankSum = 0, ties = 0;
        for (var i = 0; i < Math.Max(stable.Count, canary.Count); i++)
        {
            double s = i < stable.Count ? stable[i] : 0, c = i < canary.Count ? canary[i] : 0;
            var tied = s + c;
            if (tied == 0)
            {
                continue;
            }
            // Ranks before+1 .. before+tied share their mean.
            rankSum += c * (before + ((tied + 1) / 2));
            ties += (tied * tied * tied) - tied;
            before += tied;
        }
        var u = rankSum - (canaryCalls * (canaryCalls + 1) / 2);
        var product = stableCalls * canaryCalls;
        var mean = product / 2;
        var variance = product / 12 * ((all + 1) - (ties / (all * (all - 1))));
        var superiority = u / product;
        if (variance <= 0)
        {
            // Every call in one bucket: nothing tells the two apart.
            return new MannWhitney(u, 0, 1, superiority);
        }
        var z = (u - mean - 0.5) / Math.Sqrt(variance);
        return new MannWhitney(u, z, 1 - Normal.CDF(0, 1, z), superiority);
    }
}

/// <summary>A Mann-Whitney U test's result.</summary>
/// <param name="U">The canary's U statistic.</param>
/// <param name="Z">The normal approximation's z, tie- and continuity-corrected.</param>
/// <param name="PValue">One-sided p-value of "the canary is slower".</param>
/// <param name="Superiority">Probability of superiority (Vargha-Delaney A): P(canary slower) + P(tie)/2.</param>
public sealed record MannWhitney(double U, double Z, double PValue, double Superiority)
{
    /// <summary>Rank-biserial correlation, 2A − 1: from −1 (canary always faster) to 1 (always slower).</summary>
    public double RankBiserial => (2 * Superiority) - 1;
}
