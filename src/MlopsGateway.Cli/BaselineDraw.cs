using System.Globalization;
using MlopsGateway.Monitoring.Baselines;
using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Cli;

/// <summary>Rows drawn from a baseline: <see cref="Rows"/> × <see cref="Features"/> values, row by row.</summary>
/// <param name="Values">The values, row-major.</param>
/// <param name="Rows">How many rows.</param>
/// <param name="Features">Values per row, the baseline's features in order.</param>
/// <param name="FromSample">Whether the rows are the baseline's sample rows (else each feature was drawn from its bins on its own).</param>
internal sealed record DrawnRows(float[] Values, int Rows, int Features, bool FromSample)
{
    /// <summary>The values of feature <paramref name="feature"/>, one per row.</summary>
    public IEnumerable<float> Column(int feature) => Enumerable.Range(0, Rows).Select(r => Values[(r * Features) + feature]);
}

/// <summary>
/// Draws rows shaped like a version's baseline, so that traffic counted into the baseline's bins
/// shows no drift however many rows a window holds. A window scored against thresholds calibrated
/// for its row count would flag a pool of rows whose bin shares are merely close to the baseline's
/// (a pool of a thousand draws is off by about a thousandth per bin), so the shares are made to
/// match instead of left to chance:
/// <list type="bullet">
/// <item>with a sample, its rows are weighted by raking (iterative proportional fitting) until every
/// feature's weighted bin shares are the baseline's, and the prediction's too where the baseline
/// kept each sample row's prediction (without it a thousand rows' class shares are off by about a
/// point and a half, which a window of 25,000 rows flags as prediction drift: seen in <c>up</c>); then
/// drawn with replacement by systematic resampling, so each row is repeated in proportion to its
/// weight to within one copy; rows keep their features together;</item>
/// <item>without one, each feature's values are drawn from its bins in the baseline's proportions,
/// uniformly inside a bin (a category takes its code), each column shuffled on its own.</item>
/// </list>
/// The rows are shuffled, so any stretch of them is a random draw.
/// </summary>
internal static class BaselineDraw
{
    private const int RakingRounds = 200;
    private const double RakingTolerance = 1e-9;

    /// <summary><paramref name="rows"/> rows from <paramref name="profile"/>, seeded by <paramref name="random"/>.</summary>
    /// <exception cref="ArgumentException">The profile cannot be drawn from (a category that is not a number, a sample row of the wrong length).</exception>
    public static DrawnRows Draw(BaselineProfile profile, int rows, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        var features = profile.Features.Count;
        var bins = profile.Features.Select(f => new FeatureBins(f)).ToArray();
        var values = new float[rows * features];
        if (profile.Sample.Count > 0)
        {
            if (profile.Sample.FirstOrDefault(r => r.Count != features) is { } wrong)
            {
                throw new ArgumentException($"The baseline of {profile.Model} version {profile.Version} has a sample row of {wrong.Count} values for its {features} features.");
            }
            var picks = Systematic(Rake(Margins(profile, bins)), rows, random);
            random.Shuffle(picks);
            for (var r = 0; r < rows; r++)
            {
                var row = profile.Sample[picks[r]];
                for (var f = 0; f < features; f++)
                {
                    values[(r * features) + f] = row[f];
                }
            }
            return new DrawnRows(values, rows, features, FromSample: true);
        }
        for (var f = 0; f < features; f++)
        {
            var column = Systematic(bins[f].Shares(), rows, random).Select(bin => bins[f].Value(bin, random)).ToArray();
            random.Shuffle(column);
            for (var r = 0; r < rows; r++)
            {
                values[(r * features) + f] = column[r];
            }
        }
        return new DrawnRows(values, rows, features, FromSample: false);
    }

    /// <summary>One margin to rake to: each sample row's bin, and the baseline's share of each bin.</summary>
    private sealed record Margin(string Name, int[] BinOf, double[] Targets);

    /// <summary>Every feature's margin and, where the baseline kept each sample row's prediction, the prediction's.</summary>
    private static Margin[] Margins(BaselineProfile profile, FeatureBins[] bins)
    {
        var margins = bins.Select((b, f) => new Margin(b.Name, [.. profile.Sample.Select(row => b.BinOf(row[f]))], b.Shares())).ToList();
        if (profile is { Prediction: { } prediction, SamplePrediction: { } predicted } && predicted.Count == profile.Sample.Count)
        {
            var total = (double)prediction.Counts.Sum();
            if (total > 0)
            {
                margins.Add(new Margin(prediction.Name, [.. predicted], [.. prediction.Counts.Select(c => c / total)]));
            }
        }
        return [.. margins];
    }

    /// <summary>Weights of the sample's rows (summing to 1) under which each margin's bin shares are the baseline's.</summary>
    private static double[] Rake(Margin[] margins)
    {
        var rows = margins[0].BinOf.Length;
        var weights = Enumerable.Repeat(1.0 / rows, rows).ToArray();
        var binOf = margins.Select(m => m.BinOf).ToArray();
        var targets = margins.Select(m => m.Targets).ToArray();
        for (var round = 0; round < RakingRounds; round++)
        {
            var worst = 0.0;
            for (var f = 0; f < margins.Length; f++)
            {
                var held = new double[targets[f].Length];
                for (var i = 0; i < weights.Length; i++)
                {
                    held[binOf[f][i]] += weights[i];
                }
                var total = Enumerable.Range(0, held.Length).Where(b => targets[f][b] > 0).Sum(b => held[b]);
                if (total <= 0)
                {
                    throw new ArgumentException($"No row of the baseline's sample falls in a bin of feature '{margins[f].Name}' that the baseline counted rows in.");
                }
                // A bin the sample has no row in cannot be matched; the others share its part.
                var reachable = Enumerable.Range(0, held.Length).Where(b => held[b] > 0).Sum(b => targets[f][b]);
                for (var b = 0; b < held.Length; b++)
                {
                    worst = Math.Max(worst, Math.Abs((held[b] / total) - (targets[f][b] / reachable)));
                }
                for (var i = 0; i < weights.Length; i++)
                {
                    var bin = binOf[f][i];
                    weights[i] = held[bin] > 0 ? weights[i] * targets[f][bin] / reachable / held[bin] : 0;
                }
            }
            if (worst < RakingTolerance)
            {
                break;
            }
        }
        var sum = weights.Sum();
        return [.. weights.Select(w => w / sum)];
    }

    /// <summary>
    /// <paramref name="count"/> indexes drawn in proportion to <paramref name="weights"/> (summing to 1) by systematic
    /// resampling: one random offset, then evenly spaced, so index i is drawn count·wᵢ times rounded up or down.
    /// </summary>
    private static int[] Systematic(double[] weights, int count, Random random)
    {
        var picks = new int[count];
        var offset = random.NextDouble();
        var index = 0;
        var cumulative = weights[0] * count;
        for (var j = 0; j < count; j++)
        {
            while (j + offset >= cumulative && index < weights.Length - 1)
            {
                index++;
                cumulative += weights[index] * count;
            }
            picks[j] = index;
        }
        return picks;
    }

    /// <summary>One feature's bins: which one a value falls in, each one's baseline share, and values inside one.</summary>
    private sealed class FeatureBins
    {
        private readonly FeatureProfile _profile;
        private readonly float[] _codes;

        public FeatureBins(FeatureProfile profile)
        {
            _profile = profile;
            _codes = profile.Kind == FeatureKind.Numeric ? [] : [.. profile.Categories.Select(c => Code(profile, c))];
        }

        public string Name => _profile.Name;

        public double[] Shares()
        {
            // A category the baseline did not name (the last bin) has no value to send.
            var drawable = _profile.Kind == FeatureKind.Numeric ? _profile.Counts : _profile.Counts.Take(_codes.Length).ToList();
            var total = (double)drawable.Sum();
            if (total <= 0)
            {
                throw new ArgumentException($"Feature '{_profile.Name}' of the baseline has no rows in its bins; nothing to draw from.");
            }
            return [.. drawable.Select(c => c / total), .. Enumerable.Repeat(0.0, _profile.Counts.Count - drawable.Count)];
        }

        public int BinOf(float value)
        {
            if (_profile.Kind == FeatureKind.Numeric)
            {
                return BaselineBuilder.NumericBin(_profile.Edges, value);
            }
            var code = Array.IndexOf(_codes, value);
            return code < 0 ? _codes.Length : code;
        }

        public float Value(int bin, Random random)
        {
            if (_profile.Kind == FeatureKind.Categorical)
            {
                return _codes[bin];
            }
            var edges = _profile.Edges;
            var low = bin == 0 ? Math.Min(_profile.Min, edges.Count > 0 ? edges[0] : _profile.Min) : edges[bin - 1];
            var high = bin == edges.Count ? Math.Max(_profile.Max, low) : edges[bin];
            var value = (float)(low + (random.NextDouble() * (high - low)));
            // Rounded to FP32 a value may land on the next bin's edge, which belongs to that bin.
            return bin < edges.Count && value >= high && high > low ? MathF.BitDecrement((float)high) : value;
        }

        private static float Code(FeatureProfile profile, string category) =>
            float.TryParse(category, NumberStyles.Float, CultureInfo.InvariantCulture, out var code)
                ? code
                : throw new ArgumentException($"Category '{category}' of feature '{profile.Name}' is not a number; its values cannot be sent as a tensor.");
    }
}
