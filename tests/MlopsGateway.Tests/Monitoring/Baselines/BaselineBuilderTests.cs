using MlopsGateway.Monitoring.Baselines;
using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Tests.Monitoring.Baselines;

public class BaselineBuilderTests
{
    private static BaselineSpec Spec(params string[] features) => new("m", "1", "features", "sample", features);

    /// <summary>Edges as the empirical quantiles at i/k: the smallest value whose share of rows at or below it reaches i/k.</summary>
    private static List<double> DirectEdges(double[] values, int bins)
    {
        var sorted = values.Order().ToArray();
        var edges = new List<double>();
        for (var i = 1; i < bins; i++)
        {
            var edge = sorted[(int)Math.Ceiling(sorted.Length * (i / (double)bins)) - 1];
            if (edge > sorted[0] && (edges.Count == 0 || edge > edges[^1]))
            {
                edges.Add(edge);
            }
        }
        return edges;
    }

    [Fact]
    public void Build_ContinuousFeature_EdgesAndCountsAreTheDirectQuantilesAndMoments()
    {
        var random = new Random(5);
        var values = Enumerable.Range(0, 1237).Select(_ => (float)(random.NextDouble() * 100 - 20)).ToArray();

        var feature = BaselineBuilder.Build(Spec("x"), [.. values.Select(v => new[] { v })]).Features[0];

        var direct = DirectEdges([.. values.Select(v => (double)v)], 10);
        var counts = new long[direct.Count + 1];
        foreach (var v in values)
        {
            counts[direct.Count(e => e <= v)]++;
        }
        var mean = values.Average(v => (double)v);
        var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        Assert.Equal(FeatureKind.Numeric, feature.Kind);
        Assert.Equal(9, feature.Edges.Count);
        Assert.Equal(direct, feature.Edges);
        Assert.Equal(counts, feature.Counts);
        Assert.All(feature.Counts, c => Assert.InRange(c, 123, 124));
        Assert.Equal(mean, feature.Mean, 9);
        Assert.Equal(sd, feature.StdDev, 9);
        Assert.Equal((values.Min(), values.Max()), ((float)feature.Min, (float)feature.Max));
    }

    [Fact]
    public void Build_DiscreteFeature_RepeatedEdgesCollapsedAndNoBinEmpty()
    {
        // Mostly zeros, as cart items are: the lower quantiles are all 0.
        float[] values = [.. Enumerable.Repeat(0f, 600), .. Enumerable.Repeat(1f, 250), .. Enumerable.Repeat(2f, 100), .. Enumerable.Repeat(5f, 50)];

        var feature = BaselineBuilder.Build(Spec("cart"), [.. values.Select(v => new[] { v })]).Features[0];

        Assert.Equal([1.0, 2.0], feature.Edges);
        Assert.Equal([600L, 250, 150], feature.Counts);
        Assert.All(feature.Counts, c => Assert.True(c > 0));
        Assert.Equal(DirectEdges([.. values.Select(v => (double)v)], 10), feature.Edges);
    }

    [Fact]
    public void Build_ConstantFeature_OneBinHoldingEveryRow()
    {
        var feature = BaselineBuilder.Build(Spec("c"), [.. Enumerable.Repeat(new[] { 3f }, 20)]).Features[0];

        Assert.Empty(feature.Edges);
        Assert.Equal([20L], feature.Counts);
        Assert.Equal((3.0, 0.0), (feature.Mean, feature.StdDev));
    }

    [Fact]
    public void Build_CategoricalFeature_CodesByValueAsInvariantTextAndTheRarestInTheOtherBin()
    {
        float[] codes = [.. Enumerable.Repeat(2.5f, 30), .. Enumerable.Repeat(-1f, 20), .. Enumerable.Repeat(7f, 10), .. Enumerable.Repeat(9f, 2)];
        var spec = Spec("x", "code") with { Categorical = ["code"], MaxCategories = 3 };

        var profile = BaselineBuilder.Build(spec, [.. codes.Select(c => new[] { 0f, c })]);
        var feature = profile.Features[1];

        Assert.Equal(FeatureKind.Categorical, feature.Kind);
        Assert.Equal(["-1", "2.5", "7"], feature.Categories);
        Assert.Equal([20L, 30, 10, 2], feature.Counts);
        Assert.Empty(feature.Edges);
        Assert.Equal(codes.Average(c => (double)c), feature.Mean, 9);
        Assert.Equal(FeatureKind.Numeric, profile.Features[0].Kind);
    }

    [Fact]
    public void Build_ClassPredictions_ClassSharesWithAnEmptyOtherBin()
    {
        var rows = Enumerable.Range(0, 10).Select(i => new[] { (float)i }).ToList();

        var profile = BaselineBuilder.Build(Spec("x"), rows, BaselinePredictions.Classes([0, 0, 1, 2, 2, 2, 0, 1, 2, 2], ["a", "b", "c"]));

        Assert.Equal(BaselineProfile.PredictionName, profile.Prediction!.Name);
        Assert.Equal(FeatureKind.Categorical, profile.Prediction.Kind);
        Assert.Equal([3L, 2, 5, 0], profile.Prediction.Counts);
        Assert.Equal(["a", "b", "c"], profile.Classes);
        Assert.Equal(["a", "b", "c"], profile.Prediction.Categories);
    }

    [Fact]
    public void Build_RegressionPredictions_QuantileBinsOfTheValues()
    {
        var rows = Enumerable.Range(0, 100).Select(i => new[] { (float)i }).ToList();
        var values = Enumerable.Range(0, 100).Select(i => i * 2.0).ToList();

        var profile = BaselineBuilder.Build(Spec("x"), rows, BaselinePredictions.Regression(values));

        Assert.Equal(FeatureKind.Numeric, profile.Prediction!.Kind);
        var edges = DirectEdges([.. values], 10);
        Assert.Equal(edges, profile.Prediction.Edges);
        Assert.Equal(values.GroupBy(v => edges.Count(e => e <= v)).OrderBy(g => g.Key).Select(g => (long)g.Count()), profile.Prediction.Counts);
        Assert.Equal([9L, 10, 10, 10, 10, 10, 10, 10, 10, 11], profile.Prediction.Counts);
        Assert.Empty(profile.Classes);
    }

    [Fact]
    public void Build_ManyRows_SampleOfAThousandRowsDrawnFromTheRowsAndTheSameForTheSameSeed()
    {
        var rows = Enumerable.Range(0, 5000).Select(i => new[] { (float)i, i * 2f }).ToList();

        var first = BaselineBuilder.Build(Spec("a", "b") with { Seed = 3 }, rows);
        var again = BaselineBuilder.Build(Spec("a", "b") with { Seed = 3 }, rows);
        var other = BaselineBuilder.Build(Spec("a", "b") with { Seed = 4 }, rows);

        Assert.Equal(BaselineProfile.MaxSampleRows, first.Sample.Count);
        Assert.All(first.Sample, row => Assert.Equal(row[0] * 2, row[1]));
        Assert.Equal(1000, first.Sample.Select(r => r[0]).Distinct().Count());
        Assert.Equal(first.Sample.Select(r => r[0]), again.Sample.Select(r => r[0]));
        Assert.NotEqual(first.Sample.Select(r => r[0]), other.Sample.Select(r => r[0]));
        // Drawn from all of the rows, not the first thousand: about half come from each half.
        Assert.InRange(first.Sample.Count(r => r[0] >= 2500), 400, 600);
        Assert.Equal(5000, first.Rows);
    }

    [Fact]
    public void Build_FewRows_SampleHoldsThemAll()
    {
        var profile = BaselineBuilder.Build(Spec("a"), [[1f], [2f], [3f]]);

        Assert.Equal([1f, 2f, 3f], profile.Sample.Select(r => r[0]));
    }

    [Theory]
    [InlineData("width", "Row 2 has 1 values; the features are 2.")]
    [InlineData("nan", "Row 1, feature 'b': NaN is not a finite number.")]
    [InlineData("duplicate", "Feature names must be unique")]
    [InlineData("categorical", "Categorical feature 'z' is not one of the features")]
    [InlineData("predictions", "There are 1 predictions for 2 rows.")]
    [InlineData("class", "Row 2's predicted class 2 is not an index of the 2 classes.")]
    public void Build_BadInput_RefusedSayingWhat(string breakage, string expected)
    {
        List<float[]> rows = [[1f, 2f], [3f, 4f]];
        var spec = Spec("a", "b");
        BaselinePredictions? predictions = null;
        switch (breakage)
        {
            case "width": rows[1] = [1f]; break;
            case "nan": rows[0][1] = float.NaN; break;
            case "duplicate": spec = Spec("a", "a"); break;
            case "categorical": spec = spec with { Categorical = ["z"] }; break;
            case "predictions": predictions = BaselinePredictions.Classes([0], ["n", "y"]); break;
            case "class": predictions = BaselinePredictions.Classes([0, 2], ["n", "y"]); break;
        }

        var ex = Assert.Throws<ArgumentException>(() => BaselineBuilder.Build(spec, rows, predictions));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_TwoDimensionalArray_SameProfileAsTheRows()
    {
        var array = new float[,] { { 1, 5 }, { 2, 6 }, { 3, 7 } };

        var fromArray = BaselineBuilder.Build(Spec("a", "b") with { CreatedAt = DateTimeOffset.UnixEpoch }, array);
        var fromRows = BaselineBuilder.Build(Spec("a", "b") with { CreatedAt = DateTimeOffset.UnixEpoch }, [[1, 5], [2, 6], [3, 7]]);

        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(fromRows), System.Text.Json.JsonSerializer.Serialize(fromArray));
    }
}
