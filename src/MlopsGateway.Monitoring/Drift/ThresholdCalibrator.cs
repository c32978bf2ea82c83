using System.Collections.Concurrent;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;
using MathNet.Numerics.Statistics;
using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Monitoring.Drift;

/// <summary>
/// Thresholds for each drift measure, calibrated to a window's row count for a false-alarm rate by
/// resampling windows from the baseline's own bin shares: a fixed PSI threshold ignores the window
/// size (with 10 bins and 100-row windows PSI exceeds 0.1 most of the time with no drift at all).
/// </summary>
/// <remarks>
/// <para>The null hypothesis is that the window and the baseline are two samples of one distribution,
/// of n and N rows. Every measure here is, under it, a function of the gap between two sample shares,
/// whose spread is that of one sample of the effective size <c>n_eff = n N / (n + N)</c> against the
/// true shares (the variances 1/n and 1/N add). So one multinomial window of <c>n_eff</c> rows drawn from the
/// baseline's shares and measured against them is one replicate of the null; the (1 − rate)
/// quantile of <see cref="DriftOptions.CalibrationReplicates"/> of them is the threshold. Resampling
/// n rows instead would ignore the baseline's own sampling error (its quantile edges are estimates too)
/// and raise false alarms whenever n is not small beside N.</para>
/// <para>Cache: thresholds are kept per baseline, feature and calibrated row count. The effective row
/// count is rounded down to a grid of four steps per doubling (…, 90, 107, 128, 152, …): fewer rows give
/// wider thresholds, so rounding down only lowers the false-alarm rate, by at most one step's 19%
/// fewer rows. Above <see cref="MaxCalibrationRows"/> no resampling is needed: each measure's null spread is then in its
/// large-sample regime (PSI and chi-square/n fall as 1/n, KS and JS as 1/√n), so the thresholds at
/// <see cref="MaxCalibrationRows"/> are scaled. A version thus has at most 48 cells per feature, and a
/// window that keeps its size from one evaluation to the next stays in one.</para>
/// <para>Cost of a miss: <c>replicates × rows</c> categorical draws (at most 1000 × 4096) and the
/// three measures per replicate; see perf/drift-scoring.md. A hit is a dictionary lookup.</para>
/// </remarks>
internal sealed class ThresholdCalibrator
{
    /// <summary>The largest effective row count resampled; larger windows scale its thresholds.</summary>
    public const int MaxCalibrationRows = 4096;

    /// <summary>Past this many entries the cache is emptied (a few models × features × cells stay far below it).</summary>
    public const int MaxCacheEntries = 4096;

    private const int StepsPerDoubling = 4;

    private readonly ConcurrentDictionary<CalibrationKey, BinScores> _cache = new();

    /// <summary>Thresholds held in the cache.</summary>
    public int CachedCount => _cache.Count;

    /// <summary>Empties the cache.</summary>
    public void Clear() => _cache.Clear();

    /// <summary>
    /// The thresholds for a window of <paramref name="rows"/> rows of one feature.
    /// </summary>
    /// <param name="profile">The baseline (identifies the cache entry).</param>
    /// <param name="feature">The feature's index in <see cref="BaselineProfile.Features"/>; −1 for the prediction.</param>
    /// <param name="reference">That feature's prepared bins.</param>
    /// <param name="rows">The window's rows of the feature.</param>
    /// <param name="options">Rate, replicates and seed.</param>
    public BinScores Thresholds(BaselineProfile profile, int feature, BinReference reference, long rows, DriftOptions options)
    {
        var effective = EffectiveRows(rows, reference.Rows);
        var calibrated = GridRows(effective);
        var key = new CalibrationKey(
            profile.Model, profile.Version, profile.CreatedAt, reference.Rows, feature, calibrated,
            options.FalseAlarmRate, options.CalibrationReplicates, options.Seed);
        if (!_cache.TryGetValue(key, out var thresholds))
        {
            if (_cache.Count >= MaxCacheEntries)
            {
                _cache.Clear();
            }
            thresholds = Calibrate(reference, calibrated, options, Seed(options.Seed, feature, calibrated));
            _cache[key] = thresholds;
        }
        if (effective <= MaxCalibrationRows)
        {
            return thresholds;
        }
        var ratio = MaxCalibrationRows / effective;
        var root = Math.Sqrt(ratio);
        // Chi-square is already multiplied by the effective rows, so its threshold does not move.
        return new BinScores(thresholds.Psi * ratio, thresholds.JensenShannon * root, thresholds.KolmogorovSmirnov * root, thresholds.ChiSquare);
    }

    /// <summary><c>n N / (n + N)</c>: the one-sample size whose spread matches two samples of n and N rows.</summary>
    public static double EffectiveRows(long rows, long baselineRows) =>
        rows <= 0 || baselineRows <= 0 ? 0 : (double)rows * baselineRows / (rows + baselineRows);

    /// <summary>The largest grid row count not above <paramref name="effective"/>, at least 1, at most <see cref="MaxCalibrationRows"/>.</summary>
    public static int GridRows(double effective)
    {
        if (effective >= MaxCalibrationRows)
        {
            return MaxCalibrationRows;
        }
        if (effective < 2)
        {
            return 1;
        }
        var step = (int)Math.Floor(StepsPerDoubling * Math.Log2(effective));
        var rows = (int)Math.Floor(Math.Pow(2, (double)step / StepsPerDoubling));
        // Log2 and Pow round; never let the grid land above the effective count (that would narrow the threshold).
        return rows > effective ? (int)Math.Floor(Math.Pow(2, (double)(step - 1) / StepsPerDoubling)) : rows;
    }

    private static BinScores Calibrate(BinReference reference, int rows, DriftOptions options, int seed)
    {
        var random = new Xoshiro256StarStar(seed);
        var replicates = options.CalibrationReplicates;
        var psi = new double[replicates];
        var js = new double[replicates];
        var ks = new double[replicates];
        var chi = new double[replicates];
        var counts = new long[reference.BinCount];
        for (var r = 0; r < replicates; r++)
        {
            var drawn = Multinomial.Sample(random, reference.Shares, rows);
            for (var i = 0; i < counts.Length; i++)
            {
                counts[i] = drawn[i];
            }
            var scores = reference.Measure(counts, rows, rows);
            psi[r] = scores.Psi;
            js[r] = scores.JensenShannon;
            ks[r] = scores.KolmogorovSmirnov;
            chi[r] = scores.ChiSquare;
        }
        // The inverse empirical CDF: the smallest resampled score with at least 1 − rate of them at or below it,
        // so "score > threshold" is flagged by at most the rate of the replicates (the measures are discrete).
        var tau = 1 - options.FalseAlarmRate;
        return new BinScores(Quantile(psi, tau), Quantile(js, tau), Quantile(ks, tau), Quantile(chi, tau));
    }

    private static double Quantile(double[] values, double tau) =>
        ArrayStatistics.QuantileCustomInplace(values, tau, QuantileDefinition.EmpiricalInvCDF);

    // Deterministic (HashCode is randomised per process): the same options, feature and rows always draw the same replicates.
    private static int Seed(int seed, int feature, int rows) =>
        unchecked((seed * 486187739) + ((feature + 2) * 16777619) + rows);

    private readonly record struct CalibrationKey(
        string Model, string Version, DateTimeOffset CreatedAt, long BaselineRows, int Feature, int Rows,
        double Rate, int Replicates, int Seed);
}
