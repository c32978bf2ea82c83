using BenchmarkDotNet.Attributes;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;
using MlopsGateway.Monitoring.Drift;
using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Benchmarks;

/// <summary>
/// Scoring one window of a five-feature model (four numbers of ten quantile bins, one category of
/// five) against a 20,000-row baseline, as the gateway's monitor does every 10 s per version: with
/// the thresholds already calibrated (warm: the steady state) and with them calibrated afresh
/// (cold: a new version, a restart, or a window whose row count moved to another grid cell).
/// </summary>
public class DriftScoringBenchmarks
{
    private readonly DriftScorer _scorer = new();
    private readonly DriftOptions _options = new();
    private BaselineProfile _baseline = null!;
    private WindowCounts _window = null!;

    /// <summary>Window rows: below the resampling cap, and far past it (the most a cold calibration resamples).</summary>
    [Params(2_000, 100_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var numeric = Enumerable.Repeat(2_000L, 10).ToArray();
        var categorical = new long[] { 8_000, 5_000, 4_000, 2_000, 1_000, 0 };
        FeatureProfile Number(string name) =>
            new(name, FeatureKind.Numeric, [1, 2, 3, 4, 5, 6, 7, 8, 9], [], numeric, 5, 2.9, 0, 10);
        _baseline = new BaselineProfile(
            "propensity", "1", "features", 20_000, "sample", DateTimeOffset.UnixEpoch,
            [Number("age"), Number("income"), Number("visits_30d"), Number("tenure"),
             new("region", FeatureKind.Categorical, [], ["0", "1", "2", "3", "4"], categorical, 1.2, 1.1, 0, 0)],
            null, [], []);
        var random = new Xoshiro256StarStar(1);
        long[] Draw(IReadOnlyList<long> counts) =>
            Multinomial.Sample(random, counts.Select(c => (double)c).ToArray(), Rows).Select(c => (long)c).ToArray();
        _window = new WindowCounts(
            "propensity", "1", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddMinutes(5), Rows,
            _baseline.Features.Select(f => Draw(f.Counts)).ToArray(), new long[5], null);
        _scorer.Score(_baseline, _window, _options);
    }

    [Benchmark(Baseline = true)]
    public DriftReport WarmCache() => _scorer.Score(_baseline, _window, _options);

    [Benchmark]
    public DriftReport ColdCache()
    {
        _scorer.Calibrator.Clear();
        return _scorer.Score(_baseline, _window, _options);
    }
}
