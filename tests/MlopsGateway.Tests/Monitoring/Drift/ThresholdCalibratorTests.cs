using MlopsGateway.Monitoring.Drift;
using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Tests.Monitoring.Drift;

public class ThresholdCalibratorTests
{
    private static readonly FeatureProfile s_tenEqualBins =
        new("x", FeatureKind.Numeric, [1, 2, 3, 4, 5, 6, 7, 8, 9], [], Enumerable.Repeat(10_000L, 10).ToArray(), 5, 2.9, 0, 10);

    private static readonly BaselineProfile s_baseline =
        new("m", "1", "x", 100_000, "sample", DateTimeOffset.UnixEpoch, [s_tenEqualBins], null, [], []);

    [Fact]
    public void GridRows_AnyEffectiveCount_NeverAboveItAndFewCells()
    {
        var cells = new HashSet<int>();
        var previous = 0;
        for (var n = 1; n <= 20_000; n++)
        {
            var grid = ThresholdCalibrator.GridRows(n);
            Assert.InRange(grid, 1, n);
            Assert.True(grid >= previous, "the grid is monotone");
            // Rounding down costs at most one step of 2^(1/4) (19%) fewer rows, plus the floor; past the cap thresholds are scaled instead.
            Assert.True(n < 8 || n >= ThresholdCalibrator.MaxCalibrationRows || grid >= n / 1.19 - 1, $"{n} rounds to {grid}");
            previous = grid;
            cells.Add(grid);
        }
        Assert.True(cells.Count <= 50, $"{cells.Count} cells");
        Assert.Equal(ThresholdCalibrator.MaxCalibrationRows, ThresholdCalibrator.GridRows(1e9));
    }

    [Fact]
    public void Thresholds_HundredRowWindowOverTenBins_PsiThresholdFarAboveTheUsualPointOne()
    {
        var reference = BinReference.Create(s_tenEqualBins)!;
        var options = new DriftOptions();
        var calibrator = new ThresholdCalibrator();

        var at100 = calibrator.Thresholds(s_baseline, 0, reference, 100, options);
        var at1000 = calibrator.Thresholds(s_baseline, 0, reference, 1_000, options);
        var at100k = calibrator.Thresholds(s_baseline, 0, reference, 100_000, options);

        // The point: with 10 bins and 100 rows, PSI passes 0.1 in most windows with no drift at all.
        Assert.True(at100.Psi > 0.15, $"PSI threshold at 100 rows {at100.Psi}");
        Assert.True(at100.Psi > at1000.Psi && at1000.Psi > at100k.Psi);
        Assert.True(at100.KolmogorovSmirnov > at1000.KolmogorovSmirnov && at1000.KolmogorovSmirnov > at100k.KolmogorovSmirnov);
        Assert.True(at100.JensenShannon > at1000.JensenShannon && at1000.JensenShannon > at100k.JensenShannon);
    }

    [Fact]
    public void Thresholds_SameGridCell_CachedOnceAndTheSameFromAFreshCalibrator()
    {
        var reference = BinReference.Create(s_tenEqualBins)!;
        var options = new DriftOptions();
        var calibrator = new ThresholdCalibrator();

        var first = calibrator.Thresholds(s_baseline, 0, reference, 1_000, options);
        var sameCell = calibrator.Thresholds(s_baseline, 0, reference, 1_001, options);

        Assert.Equal(1, calibrator.CachedCount);
        Assert.Equal(first, sameCell);
        Assert.Equal(first, new ThresholdCalibrator().Thresholds(s_baseline, 0, reference, 1_000, options));
        var reseeded = new ThresholdCalibrator().Thresholds(s_baseline, 0, reference, 1_000, new DriftOptions { Seed = 5 });
        Assert.NotEqual(first, reseeded);
    }

    [Fact]
    public void Thresholds_WindowPastTheCap_ScaledAsTheLargeSampleLaw()
    {
        var reference = BinReference.Create(s_tenEqualBins)!;
        var calibrator = new ThresholdCalibrator();
        var options = new DriftOptions();
        var atCap = calibrator.Thresholds(s_baseline, 0, reference, RowsFor(ThresholdCalibrator.MaxCalibrationRows), options);

        var atFourTimes = calibrator.Thresholds(s_baseline, 0, reference, RowsFor(4.0 * ThresholdCalibrator.MaxCalibrationRows), options);

        // Whole window rows put the effective counts a hair off 4096 and 4 × 4096, hence three places.
        Assert.Equal(4, atCap.Psi / atFourTimes.Psi, 3);
        Assert.Equal(2, atCap.KolmogorovSmirnov / atFourTimes.KolmogorovSmirnov, 3);
        Assert.Equal(2, atCap.JensenShannon / atFourTimes.JensenShannon, 3);
        Assert.Equal(atCap.ChiSquare, atFourTimes.ChiSquare, 9);
        Assert.Equal(1, calibrator.CachedCount);
    }

    // The window rows whose effective count against the 100k-row baseline is `effective`.
    private static long RowsFor(double effective) => (long)Math.Ceiling(effective * 100_000 / (100_000 - effective));
}
