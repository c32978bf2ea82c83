using MlopsGateway.Worker.Explanations;

namespace MlopsGateway.Tests.Worker.Explanations;

/// <summary>
/// The Shapley math alone, over functions written here: exact values of a linear function are its
/// weights times the row's distance from the background's mean; KernelSHAP agrees with them; every
/// answer adds up to f(x) - E[f(background)].
/// </summary>
public sealed class ShapleyEngineTests
{
    [Fact]
    public async Task Exact_LinearFunction_WeightTimesDistanceFromTheBackgroundMean()
    {
        double[] w = [0.5, -2, 3, 0.25, 1];
        var (row, background) = Data(w.Length, rows: 7, seed: 1);

        var result = await ExplainAsync(row, background, exact: true, samples: 0, Linear(w));

        Assert.True(result.Exact);
        Assert.Equal(32, result.Coalitions);
        Assert.Equal(1 + 7 + (30 * 7), result.Evaluations);
        for (var i = 0; i < w.Length; i++)
        {
            Assert.Equal(w[i] * (row[i] - background.Average(b => (double)b[i])), result.Attributions[i], 1e-9);
        }
    }

    [Fact]
    public async Task Exact_Interaction_SplitEvenlyAndAddsUp()
    {
        // f = x0 * x1 from background (0, 0) to row (1, 1): the interaction is shared equally.
        var result = await ExplainAsync([1f, 1f], [[0f, 0f]], exact: true, samples: 0, r => r[0] * r[1]);

        Assert.Equal([0.5, 0.5], result.Attributions);
        Assert.Equal((1.0, 0.0), (result.Value, result.BaseValue));
    }

    [Fact]
    public async Task Kernel_LinearFunctionOfTwelveFeatures_AgreesWithTheExactValues()
    {
        var w = Enumerable.Range(0, 12).Select(i => (i % 3) - 1.0 + (i * 0.1)).ToArray();
        var (row, background) = Data(w.Length, rows: 9, seed: 2);

        var result = await ExplainAsync(row, background, exact: false, samples: 300, Linear(w));

        Assert.False(result.Exact);
        for (var i = 0; i < w.Length; i++)
        {
            Assert.Equal(w[i] * (row[i] - background.Average(b => (double)b[i])), result.Attributions[i], 1e-6);
        }
    }

    [Fact]
    public async Task Kernel_NonLinearFunction_AddsUpExactlyAndIsCloseToExact()
    {
        var (row, background) = Data(8, rows: 10, seed: 3);
        static double F(float[] r) => 1 / (1 + Math.Exp(-(r[0] - (2 * r[1]) + (r[2] * r[3]) + (0.5 * r[4]) - r[5] + (r[6] * r[7]))));

        var exact = await ExplainAsync(row, background, exact: true, samples: 0, F);
        var kernel = await ExplainAsync(row, background, exact: false, samples: 200, F);

        Assert.Equal(kernel.Value - kernel.BaseValue, kernel.Attributions.Sum(), 1e-12);
        Assert.Equal(exact.Value - exact.BaseValue, exact.Attributions.Sum(), 1e-12);
        var largest = exact.Attributions.Max(Math.Abs);
        for (var i = 0; i < row.Length; i++)
        {
            Assert.True(Math.Abs(kernel.Attributions[i] - exact.Attributions[i]) < 0.05 * largest,
                $"feature {i}: kernel {kernel.Attributions[i]:F5}, exact {exact.Attributions[i]:F5}");
        }
    }

    [Fact]
    public async Task Kernel_FeatureEqualToEveryBackgroundRow_GetsZeroAndTheRestAddUp()
    {
        var (row, background) = Data(11, rows: 5, seed: 4);
        foreach (var b in background)
        {
            b[3] = row[3];
        }

        var result = await ExplainAsync(row, background, exact: false, samples: 100, r => Math.Sin(r.Sum()));

        Assert.Equal(0, result.Attributions[3]);
        Assert.Equal(result.Value - result.BaseValue, result.Attributions.Sum(), 1e-12);
    }

    [Fact]
    public async Task Kernel_SameSeed_SameAnswer()
    {
        var (row, background) = Data(14, rows: 4, seed: 5);
        static double F(float[] r) => Math.Tanh(r[0] * r[1]) + r[13];

        var first = await ExplainAsync(row, background, exact: false, samples: 64, F, seed: 9);
        var second = await ExplainAsync(row, background, exact: false, samples: 64, F, seed: 9);

        Assert.Equal(first.Attributions, second.Attributions);
    }

    private static Func<float[], double> Linear(double[] w) => r => 0.3 + r.Select((v, i) => w[i] * v).Sum();

    private static (float[] Row, float[][] Background) Data(int features, int rows, int seed)
    {
        var random = new Random(seed);
        float Next() => (float)Math.Round((random.NextDouble() * 4) - 2, 2);
        return ([.. Enumerable.Range(0, features).Select(_ => Next())],
            [.. Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, features).Select(_ => Next()).ToArray())]);
    }

    private static Task<ShapleyResult> ExplainAsync(float[] row, float[][] background, bool exact, int samples, Func<float[], double> f, int seed = 0) =>
        ShapleyEngine.ExplainAsync(row, background, exact, samples, new Random(seed), (rows, _) =>
        {
            var outputs = new double[rows.Count];
            var buffer = new float[rows.Width];
            for (var i = 0; i < rows.Count; i++)
            {
                rows.Write(i, buffer);
                outputs[i] = f(buffer);
            }
            return Task.FromResult(outputs);
        }, CancellationToken.None);
}
