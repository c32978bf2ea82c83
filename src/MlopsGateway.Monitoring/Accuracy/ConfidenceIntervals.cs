using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace MlopsGateway.Monitoring.Accuracy;

/// <summary>The 95% intervals accuracy figures carry.</summary>
internal static class ConfidenceIntervals
{
    /// <summary>The standard normal's 97.5% quantile (1.95996…): two-sided 95%.</summary>
    public static readonly double Z95 = Normal.InvCDF(0, 1, 0.975);

    /// <summary>
    /// Wilson's score interval for a proportion <paramref name="successes"/> / <paramref name="trials"/>
    /// (no continuity correction). Unlike the normal (Wald) interval it stays in [0, 1] and keeps its
    /// coverage near 0 and 1, where a model's accuracy and a rare class's recall live.
    /// </summary>
    public static (double Lower, double Upper) Wilson(long successes, long trials, double z)
    {
        if (trials <= 0)
        {
            return (double.NaN, double.NaN);
        }
        var n = (double)trials;
        var p = successes / n;
        var z2 = z * z;
        var denominator = 1 + (z2 / n);
        var centre = (p + (z2 / (2 * n))) / denominator;
        var half = z / denominator * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n)));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>The mean of <paramref name="values"/> with a normal 95% interval (mean ± z·s/√n); bounds NaN for one value.</summary>
    public static (double Mean, double Lower, double Upper) Mean(IReadOnlyList<double> values, double z)
    {
        var (mean, sd) = values.MeanStandardDeviation();
        if (values.Count < 2)
        {
            return (mean, double.NaN, double.NaN);
        }
        var half = z * sd / Math.Sqrt(values.Count);
        return (mean, mean - half, mean + half);
    }
}
