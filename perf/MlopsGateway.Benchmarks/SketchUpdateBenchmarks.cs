using BenchmarkDotNet.Attributes;
using MlopsGateway.Monitoring.Sketches;
using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Benchmarks;

/// <summary>
/// The worker's drift sketch update over one batch's FP32 buffer (<see cref="Rows"/> × <see cref="Features"/>,
/// row-major), each feature with the default 10 quantile bins, plus a two-class prediction from a label
/// output. Divide the mean by Rows × Features for the time per row and feature (target: 25 ns, no allocation).
/// </summary>
public class SketchUpdateBenchmarks
{
    private VersionSketch _sketch = null!;
    private float[] _input = [];
    private long[] _labels = [];

    [Params(64)]
    public int Rows { get; set; }

    [Params(5, 50)]
    public int Features { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        // Edges at the deciles of a standard normal, like a quantile profile of normal data.
        double[] edges = [-1.2816, -0.8416, -0.5244, -0.2533, 0, 0.2533, 0.5244, 0.8416, 1.2816];
        var features = Enumerable.Range(0, Features)
            .Select(f => new FeatureProfile($"f{f}", FeatureKind.Numeric, edges, [], new long[edges.Length + 1], 0, 1, -4, 4))
            .ToArray();
        var prediction = new FeatureProfile(BaselineProfile.PredictionName, FeatureKind.Categorical, [], ["no", "yes"], new long[3], 0, 0, 0, 0);
        _sketch = new VersionSketch(new BaselineProfile("m", "1", "features", 1000, "bench", DateTimeOffset.UnixEpoch, features, prediction, ["no", "yes"], []));
        _input = new float[Rows * Features];
        for (var i = 0; i < _input.Length; i++)
        {
            // Box-Muller: normal values, so the bins are hit evenly and branches cannot learn a pattern.
            _input[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }
        _labels = [.. Enumerable.Range(0, Rows).Select(_ => (long)random.Next(2))];
    }

    /// <summary>One batch counted into the sketch.</summary>
    [Benchmark]
    public void Update() => _sketch.Update(_input, Rows, BatchPredictions.FromLabels(_labels));
}
