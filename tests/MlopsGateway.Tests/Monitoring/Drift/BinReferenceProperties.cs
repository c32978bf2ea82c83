using FsCheck;
using FsCheck.Xunit;
using MlopsGateway.Monitoring.Drift;
using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Tests.Monitoring.Drift;

public class BinReferenceProperties
{
    [Property(MaxTest = 300)]
    public bool Measure_AnyTwoHistograms_DistancesInTheirRanges(NonEmptyArray<PositiveInt> baseline, int[] window)
    {
        var reference = BinReference.Create(Profile(baseline.Get.Select(c => (long)c.Get).ToArray()))!;
        var counts = Counts(baseline.Get.Length, window);

        var scores = reference.Measure(counts, counts.Sum(), 1000);

        return scores.JensenShannon is >= 0 and <= 1
            && scores.KolmogorovSmirnov is >= 0 and <= 1 + 1e-12
            && scores.Psi >= 0
            && scores.ChiSquare >= 0;
    }

    [Property(MaxTest = 300)]
    public bool Measure_WindowWithTheBaselinesShares_ScoresAboutZero(NonEmptyArray<PositiveInt> baseline, PositiveInt times)
    {
        var counts = baseline.Get.Select(c => (long)c.Get).ToArray();
        var reference = BinReference.Create(Profile(counts))!;
        var scaled = counts.Select(c => c * (times.Get % 50 + 1)).ToArray();

        var scores = reference.Measure(scaled, scaled.Sum(), 1000);

        // JS, KS and chi-square read raw shares and are exactly 0; PSI's smoothing moves each side's shares by under 0.5/rows.
        return scores.JensenShannon < 1e-7 && scores.KolmogorovSmirnov < 1e-12 && scores.ChiSquare < 1e-9
            && scores.Psi < 0.5 * counts.Length / counts.Sum();
    }

    [Property(MaxTest = 200)]
    public bool Measure_DisjointSupports_JensenShannonIsOne(PositiveInt left, PositiveInt right)
    {
        var reference = BinReference.Create(Profile([left.Get, 0]))!;

        return Math.Abs(reference.Measure([0, right.Get], right.Get, 1).JensenShannon - 1) < 1e-12;
    }

    private static FeatureProfile Profile(long[] counts) =>
        new("x", FeatureKind.Numeric, Enumerable.Range(1, counts.Length - 1).Select(i => (double)i).ToArray(), [], counts, 0, 0, 0, 0);

    // Window counts over the same bins, never all zero (a window has at least one row to be measured).
    private static long[] Counts(int bins, int[] drawn)
    {
        var counts = new long[bins];
        for (var i = 0; i < drawn.Length; i++)
        {
            counts[i % bins] += Math.Abs(drawn[i] % 1000);
        }
        counts[0] += counts.Sum() == 0 ? 1 : 0;
        return counts;
    }
}
