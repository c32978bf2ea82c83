using MlopsGateway.Cli;
using MlopsGateway.Monitoring.Baselines;
using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Tests.Cli;

public class BaselineDrawTests
{
    private static readonly BaselineProfile s_profile = PropensityBaseline.Build();

    private static double[] Shares(DrawnRows drawn, FeatureProfile feature, int column)
    {
        var counts = new double[feature.BinCount];
        foreach (var value in drawn.Column(column))
        {
            counts[feature.Kind == FeatureKind.Numeric
                ? BaselineBuilder.NumericBin(feature.Edges, value)
                : IndexOr(feature.Categories, BaselineBuilder.CategoryName(value))]++;
        }
        return [.. counts.Select(c => c / drawn.Rows)];
    }

    private static int IndexOr(IReadOnlyList<string> categories, string name) =>
        categories.ToList().IndexOf(name) is var i and >= 0 ? i : categories.Count;

    private static double[] Expected(FeatureProfile feature) => [.. feature.Counts.Select(c => c / (double)feature.Counts.Sum())];

    private static (double Mean, double StdDev) Moments(IEnumerable<float> values)
    {
        var list = values.Select(v => (double)v).ToList();
        var mean = list.Average();
        return (mean, Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / (list.Count - 1)));
    }

    [Fact]
    public void Draw_FromSample_EveryFeatureDistributedAsTheBaselineAndRowsKeptWhole()
    {
        var drawn = BaselineDraw.Draw(s_profile, 16_384, new Random(1));

        Assert.True(drawn.FromSample);
        Assert.Equal(1000, s_profile.Sample.Count);
        for (var f = 0; f < s_profile.Features.Count; f++)
        {
            var feature = s_profile.Features[f];
            // Bin shares as the baseline's to within rounding, where plain draws from the sample are off by about 1% a bin.
            var shares = Shares(drawn, feature, f);
            var expected = Expected(feature);
            Assert.All(Enumerable.Range(0, shares.Length), b => Assert.True(Math.Abs(shares[b] - expected[b]) < 0.002,
                $"{feature.Name} bin {b}: drawn {shares[b]:F4}, baseline {expected[b]:F4}"));
            // Mean and spread as the baseline's within the error of a 1000-row sample.
            var (mean, sd) = Moments(drawn.Column(f));
            Assert.True(Math.Abs(mean - feature.Mean) < 3 * feature.StdDev / Math.Sqrt(s_profile.Sample.Count),
                $"{feature.Name}: drawn mean {mean:F3}, baseline {feature.Mean:F3} (sd {feature.StdDev:F3})");
            Assert.InRange(sd / feature.StdDev, 0.9, 1.1);
        }
        // Each row is one of the sample's, its features together.
        var sample = s_profile.Sample.Select(r => string.Join(",", r)).ToHashSet();
        Assert.All(Enumerable.Range(0, drawn.Rows), r => Assert.Contains(string.Join(",", drawn.Values.Skip(r * 5).Take(5)), sample));
    }

    [Fact]
    public void Draw_SampleWithItsPredictions_PredictedSharesAsTheBaselines_WhichFeaturesAloneMiss()
    {
        // A class that hangs on two features together: matching each feature's bins leaves its share to chance.
        static int Buys(float[] row) => row[0] * row[2] > 8 ? 1 : 0;
        var profile = PropensityBaseline.Build(classify: Buys);
        var expected = profile.Prediction!.Counts[1] / (double)profile.Prediction.Counts.Sum();
        double Drawn(BaselineProfile p)
        {
            var drawn = BaselineDraw.Draw(p, 25_000, new Random(1));
            return Enumerable.Range(0, drawn.Rows).Average(r => Buys([.. drawn.Values.Skip(r * drawn.Features).Take(drawn.Features)]));
        }

        var matched = Drawn(profile);
        var featuresOnly = Drawn(profile with { SamplePrediction = null });

        Assert.Equal(profile.Sample.Count, profile.SamplePrediction!.Count);
        Assert.Equal(profile.Sample.Select(r => Buys([.. r])), profile.SamplePrediction);
        Assert.True(Math.Abs(matched - expected) < 0.001, $"drawn share {matched:F4}, baseline {expected:F4}");
        Assert.True(Math.Abs(featuresOnly - expected) > 0.003 && Math.Abs(featuresOnly - expected) > 4 * Math.Abs(matched - expected), $"features alone: drawn share {featuresOnly:F4}, matched {matched:F4}, baseline {expected:F4}");
    }

    [Fact]
    public void Draw_NoSample_EachFeatureFromItsBinsInTheBaselinesShares()
    {
        var profile = s_profile with { Sample = [] };

        var drawn = BaselineDraw.Draw(profile, 10_000, new Random(1));

        Assert.False(drawn.FromSample);
        for (var f = 0; f < profile.Features.Count; f++)
        {
            var feature = profile.Features[f];
            var shares = Shares(drawn, feature, f);
            var expected = Expected(feature);
            // Systematic allocation: each bin's count is its share of the rows rounded up or down.
            Assert.All(Enumerable.Range(0, shares.Length), b => Assert.True(Math.Abs(shares[b] - expected[b]) <= 1.0 / drawn.Rows + 1e-12,
                $"{feature.Name} bin {b}: drawn {shares[b]:F5}, baseline {expected[b]:F5}"));
            if (feature.Kind == FeatureKind.Numeric)
            {
                Assert.All(drawn.Column(f), v => Assert.InRange(v, feature.Min, feature.Max));
            }
            else
            {
                Assert.All(drawn.Column(f), v => Assert.Contains(BaselineBuilder.CategoryName(v), feature.Categories));
            }
        }
        // Columns are shuffled apart: a feature's values do not follow another's order.
        Assert.NotEqual(drawn.Column(1).Take(50).Select(v => v < profile.Features[1].Mean), drawn.Column(3).Take(50).Select(v => v < profile.Features[3].Mean));
    }

    [Fact]
    public void Draw_SameSeedSameRowsOtherSeedOthers()
    {
        var a = BaselineDraw.Draw(s_profile, 500, new Random(4));
        var b = BaselineDraw.Draw(s_profile, 500, new Random(4));
        var c = BaselineDraw.Draw(s_profile, 500, new Random(5));

        Assert.Equal(a.Values, b.Values);
        Assert.NotEqual(a.Values, c.Values);
    }

    [Fact]
    public void Draw_CategoryThatIsNotANumber_RefusedNamingIt()
    {
        var feature = s_profile.Features[4] with { Categories = ["0", "1", "many"] };
        var profile = s_profile with { Features = [.. s_profile.Features.Take(4), feature], Sample = [] };

        var ex = Assert.Throws<ArgumentException>(() => BaselineDraw.Draw(profile, 10, new Random(1)));

        Assert.Contains("Category 'many' of feature 'email_opens_30d' is not a number", ex.Message);
    }
}
