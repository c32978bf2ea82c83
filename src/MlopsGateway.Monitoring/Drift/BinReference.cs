using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Monitoring.Drift;

/// <summary>
/// One feature's baseline bins, prepared to measure windows against: the live window in
/// <see cref="DriftScorer"/> and every resampled one in <see cref="ThresholdCalibrator"/> go through
/// the same <see cref="Measure"/>, so a threshold is calibrated on exactly the score it judges.
/// </summary>
/// <remarks>
/// Empty bins: PSI takes the log of a ratio of shares and would be infinite wherever either side
/// has an empty bin (a window of 100 rows over 10 bins often has one; the baseline's "other" bin of
/// a categorical feature is empty by construction). PSI therefore uses additive smoothing with
/// <see cref="PseudoCount"/> = 0.5 rows per bin on both sides (Jeffreys' prior, <c>(c + 0.5) / (n + 0.5 k)</c>),
/// and chi-square divides by the baseline's smoothed share. Jensen-Shannon (with 0 log 0 = 0) and
/// Kolmogorov-Smirnov are finite on raw shares and use them, so identical shares score exactly 0.
/// The smoothing only moves scores, never the false-alarm rate: thresholds are the same measure on
/// resampled windows.
/// </remarks>
internal sealed class BinReference
{
    /// <summary>Rows added to every bin before PSI's logarithm and chi-square's division.</summary>
    public const double PseudoCount = 0.5;

    private readonly double[] _shares;
    private readonly double[] _smoothed;

    private BinReference(FeatureKind kind, long rows, double[] shares, double[] smoothed)
    {
        Kind = kind;
        Rows = rows;
        _shares = shares;
        _smoothed = smoothed;
    }

    public FeatureKind Kind { get; }

    /// <summary>The baseline's rows in the bins (its NaN rows are in none).</summary>
    public long Rows { get; }

    public int BinCount => _shares.Length;

    /// <summary>The baseline's raw share per bin: what calibration resamples from.</summary>
    public double[] Shares => _shares;

    /// <summary>The reference for a feature's profile; null when the baseline has no rows in its bins.</summary>
    public static BinReference? Create(FeatureProfile profile)
    {
        var bins = profile.Counts.Count;
        long rows = 0;
        for (var i = 0; i < bins; i++)
        {
            rows += profile.Counts[i];
        }
        if (rows <= 0 || bins == 0)
        {
            return null;
        }
        var shares = new double[bins];
        var smoothed = new double[bins];
        var smoothedRows = rows + (PseudoCount * bins);
        for (var i = 0; i < bins; i++)
        {
            shares[i] = (double)profile.Counts[i] / rows;
            smoothed[i] = (profile.Counts[i] + PseudoCount) / smoothedRows;
        }
        return new BinReference(profile.Kind, rows, shares, smoothed);
    }

    /// <summary>
    /// Every measure of <paramref name="counts"/> (one entry per bin, summing to <paramref name="rows"/> &gt; 0)
    /// against the baseline. Chi-square is <c>chiSquareRows · Σ (q − p)² / p̃</c>: the caller passes the
    /// effective row count, so the statistic follows the same χ² law whatever the two sizes.
    /// </summary>
    public BinScores Measure(ReadOnlySpan<long> counts, long rows, double chiSquareRows)
    {
        double psi = 0, divergence = 0, ks = 0, chi = 0, gap = 0;
        var smoothedRows = rows + (PseudoCount * _shares.Length);
        for (var i = 0; i < _shares.Length; i++)
        {
            var q = (double)counts[i] / rows;
            var p = _shares[i];
            var qSmoothed = (counts[i] + PseudoCount) / smoothedRows;
            var pSmoothed = _smoothed[i];
            psi += (qSmoothed - pSmoothed) * Math.Log(qSmoothed / pSmoothed);
            var mid = (p + q) / 2;
            if (q > 0)
            {
                divergence += q * Math.Log2(q / mid);
            }
            if (p > 0)
            {
                divergence += p * Math.Log2(p / mid);
            }
            gap += q - p;
            ks = Math.Max(ks, Math.Abs(gap));
            chi += (q - p) * (q - p) / pSmoothed;
        }
        // Rounding can leave the divergence a hair below 0 or above 1; the distance is defined on [0, 1].
        var js = Math.Sqrt(Math.Clamp(divergence / 2, 0, 1));
        return new BinScores(psi, js, ks, chi * chiSquareRows);
    }
}
