using MathNet.Numerics.LinearAlgebra;

namespace MlopsGateway.Worker.Explanations;

/// <summary>
/// Shapley values of one row's features for a scalar output, against background rows: exact (every
/// coalition, weights |S|!(n-|S|-1)!/n!) or KernelSHAP (Lundberg and Lee, 2017: coalitions sampled
/// by the Shapley kernel, weighted least squares with the efficiency constraint eliminated exactly,
/// so the attributions sum to f(x) - E[f(background)] whatever the sampling). Free of DI and of the
/// model: the rows' outputs come from <c>evaluate</c>, which the worker runs through the batcher.
/// </summary>
internal static class ShapleyEngine
{
    /// <summary>Up to this many features the automatic choice is exact.</summary>
    public const int AutoExactLimit = 10;

    /// <summary>Exact values are refused beyond this many features: 2^16 coalitions per background row.</summary>
    public const int ExactLimit = 16;

    /// <summary>Attributions for <paramref name="row"/>.</summary>
    /// <param name="row">The explained row.</param>
    /// <param name="background">Background rows, as wide as the row; at least one.</param>
    /// <param name="exact">Exact values (at most <see cref="ExactLimit"/> features), else KernelSHAP.</param>
    /// <param name="samples">KernelSHAP's coalitions (at most 2^n - 2 are used).</param>
    /// <param name="random">KernelSHAP's sampling.</param>
    /// <param name="evaluate">The output for each of the rows, in order.</param>
    /// <param name="cancellationToken">The caller went away.</param>
    public static async Task<ShapleyResult> ExplainAsync(
        float[] row, float[][] background, bool exact, int samples, Random random,
        Func<CoalitionRows, CancellationToken, Task<double[]>> evaluate, CancellationToken cancellationToken)
    {
        var n = row.Length;
        var varying = Varying(row, background);
        var (coalitions, weights) = exact ? ((IReadOnlyList<bool[]>)AllCoalitions(n), (List<double>?)null) : KernelCoalitions(varying, n, samples, random);
        var rows = new CoalitionRows(row, background, coalitions);
        var outputs = await evaluate(rows, cancellationToken).ConfigureAwait(false);
        var (value, baseValue, values) = rows.Values(outputs);
        var attributions = exact
            ? Exact(n, value, baseValue, values)
            : Kernel(varying, n, value - baseValue, values, baseValue, coalitions, weights!);
        return new ShapleyResult(value, baseValue, attributions, coalitions.Count + 2, rows.Count, exact);
    }

    /// <summary>Features whose value differs from some background row's: the others cannot move the output and get 0.</summary>
    private static int[] Varying(float[] row, float[][] background) =>
        [.. Enumerable.Range(0, row.Length).Where(i => background.Any(b => b[i] != row[i]))];

    /// <summary>Every coalition but the empty and the full one; coalition c holds feature i when bit i of c is set.</summary>
    private static bool[][] AllCoalitions(int n)
    {
        var all = new bool[(1 << n) - 2][];
        for (var c = 1; c < (1 << n) - 1; c++)
        {
            var mask = new bool[n];
            for (var i = 0; i < n; i++)
            {
                mask[i] = (c & (1 << i)) != 0;
            }
            all[c - 1] = mask;
        }
        return all;
    }

    private static double[] Exact(int n, double value, double baseValue, double[] values)
    {
        double V(int c) => c == 0 ? baseValue : c == (1 << n) - 1 ? value : values[c - 1];
        // w(s) = s!(n-s-1)!/n! = 1 / (n * C(n-1, s)).
        var weights = new double[n];
        for (var s = 0; s < n; s++)
        {
            weights[s] = 1.0 / (n * Binomial(n - 1, s));
        }
        var phi = new double[n];
        for (var c = 0; c < 1 << n; c++)
        {
            var size = System.Numerics.BitOperations.PopCount((uint)c);
            for (var i = 0; i < n; i++)
            {
                if ((c & (1 << i)) == 0)
                {
                    phi[i] += weights[size] * (V(c | (1 << i)) - V(c));
                }
            }
        }
        return phi;
    }

    /// <summary>
    /// KernelSHAP's coalitions over the varying features, as the shap package draws them: whole sizes
    /// (a size and its complement together) enumerated while the budget covers them, smallest first,
    /// each coalition weighted by the kernel; the budget left sampled by the kernel's remaining weight,
    /// in complementary pairs, duplicates adding up.
    /// </summary>
    private static (IReadOnlyList<bool[]> Coalitions, List<double>? Weights) KernelCoalitions(int[] varying, int n, int samples, Random random)
    {
        var m = varying.Length;
        var coalitions = new List<bool[]>();
        var weights = new List<double>();
        if (m < 2)
        {
            return (coalitions, weights);
        }
        var budget = (int)Math.Min(samples, m >= 31 ? int.MaxValue : (1L << m) - 2);
        var sizes = (m - 1 + 1) / 2;
        var paired = (m - 1) / 2;
        var kernel = new double[sizes + 1];
        for (var s = 1; s <= sizes; s++)
        {
            kernel[s] = (m - 1.0) / (s * (m - s)) * (s <= paired ? 2 : 1);
        }
        var total = kernel.Sum();
        for (var s = 1; s <= sizes; s++)
        {
            kernel[s] /= total;
        }
        var left = budget;
        var weightLeft = 1.0;
        var full = 0;
        for (var s = 1; s <= sizes; s++)
        {
            var count = Binomial(m, s) * (s <= paired ? 2 : 1);
            if (left * kernel[s] / weightLeft < count - 1e-8)
            {
                break;
            }
            full = s;
            var each = kernel[s] / Binomial(m, s) / (s <= paired ? 2 : 1);
            foreach (var subset in Subsets(m, s))
            {
                Add(coalitions, weights, varying, n, subset, false, each);
                if (s <= paired)
                {
                    Add(coalitions, weights, varying, n, subset, true, each);
                }
            }
            left -= (int)count;
            weightLeft -= kernel[s];
        }
        if (full < sizes && left > 0)
        {
            SampleRest(coalitions, weights, varying, n, kernel, full, paired, left, weightLeft, random);
        }
        return (coalitions, weights);
    }

    private static void SampleRest(
        List<bool[]> coalitions, List<double> weights, int[] varying, int n, double[] kernel, int full, int paired, int left, double weightLeft, Random random)
    {
        var m = varying.Length;
        var start = coalitions.Count;
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var drawn = 0;
        // Bounded: duplicates add weight rather than budget, so a small space would loop forever.
        for (var attempt = 0; drawn < left && attempt < left * 20; attempt++)
        {
            var point = random.NextDouble() * weightLeft;
            var s = full + 1;
            for (; s < kernel.Length - 1 && point >= kernel[s]; s++)
            {
                point -= kernel[s];
            }
            var chosen = Enumerable.Range(0, m).OrderBy(_ => random.Next()).Take(s).ToArray();
            foreach (var complement in s <= paired ? [false, true] : new[] { false })
            {
                var key = string.Concat(Enumerable.Range(0, m).Select(i => chosen.Contains(i) != complement ? '1' : '0'));
                if (seen.TryGetValue(key, out var at))
                {
                    weights[at] += 1;
                    continue;
                }
                seen[key] = coalitions.Count;
                Add(coalitions, weights, varying, n, chosen, complement, 1);
                drawn++;
            }
        }
        var sum = 0.0;
        for (var i = start; i < weights.Count; i++)
        {
            sum += weights[i];
        }
        for (var i = start; i < weights.Count; i++)
        {
            weights[i] *= weightLeft / sum;
        }
    }

    private static void Add(List<bool[]> coalitions, List<double> weights, int[] varying, int n, int[] subset, bool complement, double weight)
    {
        var mask = new bool[n];
        // Features that cannot move the output take the row's value in every coalition; it equals the background's.
        Array.Fill(mask, true);
        foreach (var feature in varying)
        {
            mask[feature] = complement;
        }
        foreach (var index in subset)
        {
            mask[varying[index]] = !complement;
        }
        coalitions.Add(mask);
        weights.Add(weight);
    }

    private static IEnumerable<int[]> Subsets(int m, int s)
    {
        var subset = Enumerable.Range(0, s).ToArray();
        while (true)
        {
            yield return (int[])subset.Clone();
            var i = s - 1;
            while (i >= 0 && subset[i] == m - s + i)
            {
                i--;
            }
            if (i < 0)
            {
                yield break;
            }
            subset[i]++;
            for (var j = i + 1; j < s; j++)
            {
                subset[j] = subset[j - 1] + 1;
            }
        }
    }

    /// <summary>
    /// Weighted least squares for the varying features' values with the efficiency constraint
    /// sum(phi) = delta eliminated: the last varying feature's value is delta minus the others'.
    /// </summary>
    private static double[] Kernel(int[] varying, int n, double delta, double[] values, double baseValue, IReadOnlyList<bool[]> coalitions, List<double> weights)
    {
        var phi = new double[n];
        if (varying.Length == 0)
        {
            return phi;
        }
        var last = varying[^1];
        if (varying.Length == 1 || coalitions.Count == 0)
        {
            // One varying feature takes all of it; with two and no sampled coalition, an even split is the kernel's answer.
            foreach (var feature in varying)
            {
                phi[feature] = delta / varying.Length;
            }
            return phi;
        }
        var k = varying.Length - 1;
        var x = Matrix<double>.Build.Dense(coalitions.Count, k);
        var y = Vector<double>.Build.Dense(coalitions.Count);
        for (var j = 0; j < coalitions.Count; j++)
        {
            var root = Math.Sqrt(weights[j]);
            var zLast = coalitions[j][last] ? 1.0 : 0.0;
            for (var i = 0; i < k; i++)
            {
                x[j, i] = root * ((coalitions[j][varying[i]] ? 1.0 : 0.0) - zLast);
            }
            y[j] = root * (values[j] - baseValue - (zLast * delta));
        }
        // SVD's least squares: the minimum-norm answer when too few coalitions pin every feature down.
        var solved = x.Svd(computeVectors: true).Solve(y);
        var sum = 0.0;
        for (var i = 0; i < k; i++)
        {
            phi[varying[i]] = solved[i];
            sum += solved[i];
        }
        phi[last] = delta - sum;
        return phi;
    }

    private static double Binomial(int n, int k)
    {
        var result = 1.0;
        for (var i = 1; i <= k; i++)
        {
            result = result * (n - k + i) / i;
        }
        return result;
    }
}

/// <summary>What <see cref="ShapleyEngine.ExplainAsync"/> found.</summary>
/// <param name="Value">f(x).</param>
/// <param name="BaseValue">E[f(background)].</param>
/// <param name="Attributions">One per feature, in the row's order; they sum to <paramref name="Value"/> - <paramref name="BaseValue"/>.</param>
/// <param name="Coalitions">Coalitions evaluated, the empty and the full one included.</param>
/// <param name="Evaluations">Rows run.</param>
/// <param name="Exact">Exact values rather than KernelSHAP's.</param>
internal sealed record ShapleyResult(double Value, double BaseValue, double[] Attributions, int Coalitions, long Evaluations, bool Exact);
