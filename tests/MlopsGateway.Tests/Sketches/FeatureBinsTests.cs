using MlopsGateway.Monitoring.Sketches;

namespace MlopsGateway.Tests.Sketches;

public class FeatureBinsTests
{
    private static readonly FeatureBins s_numeric = FeatureBins.From(TestBaselines.Numeric("x", 1, 2, 3));

    [Theory]
    [InlineData(-5f, 0)]
    [InlineData(0.999f, 0)]
    [InlineData(1f, 1)]
    [InlineData(1.5f, 1)]
    [InlineData(2f, 2)]
    [InlineData(3f, 3)]
    [InlineData(100f, 3)]
    [InlineData(float.NegativeInfinity, 0)]
    [InlineData(float.PositiveInfinity, 3)]
    public void NumericBin_IsTheCountOfEdgesAtOrBelowTheValue(float value, int bin) => Assert.Equal(bin, s_numeric.BinOf(value));

    [Fact]
    public void NumericBin_RepeatedEdges_ValueOnThemIsAboveAll()
    {
        var bins = FeatureBins.From(TestBaselines.Numeric("x", 0, 1, 1, 1, 2));

        Assert.Equal([0, 1, 4, 4, 5], new[] { -1f, 0f, 1f, 1.5f, 2f }.Select(bins.BinOf));
    }

    [Fact]
    public void NumericBin_EveryCountOfEdges_MatchesALinearCount()
    {
        var random = new Random(7);
        for (var edges = 0; edges < 40; edges++)
        {
            var sorted = Enumerable.Range(0, edges).Select(_ => Math.Round(random.NextDouble() * 10, 1)).Order().ToArray();
            var bins = FeatureBins.From(TestBaselines.Numeric("x", sorted));
            for (var i = 0; i < 200; i++)
            {
                var value = (float)Math.Round((random.NextDouble() * 12) - 1, 1);
                Assert.Equal(sorted.Count(e => e <= value), bins.BinOf(value));
            }
        }
    }

    [Fact]
    public void NumericBin_EdgeBetweenTwoFloats_FloatsAroundItBinnedAsTheirDoublesAndAsTheBuilderCounts()
    {
        // 0.1 as a double lies between two floats: the one below it is under the edge, the one above at or over it.
        double[] edges = [-3.3, 0.1, 0.7, 2.9];
        var bins = FeatureBins.From(TestBaselines.Numeric("x", edges));
        var above = (float)0.1 > 0.1 ? (float)0.1 : MathF.BitIncrement((float)0.1);
        var below = MathF.BitDecrement(above);

        Assert.Equal((1, 2), (bins.BinOf(below), bins.BinOf(above)));
        var random = new Random(3);
        for (var i = 0; i < 2000; i++)
        {
            var value = (float)((random.NextDouble() * 8) - 4);
            Assert.Equal(MlopsGateway.Monitoring.Baselines.BaselineBuilder.NumericBin(edges, value), bins.BinOf(value));
        }
    }

    [Theory]
    [InlineData(0f, 0)]
    [InlineData(3f, 1)]
    [InlineData(7f, 2)]
    [InlineData(5f, 3)]
    [InlineData(-1f, 3)]
    [InlineData(3.5f, 3)]
    public void CategoryBin_KnownCodeIsItsBin_UnknownIsTheLast(float value, int bin) =>
        Assert.Equal(bin, FeatureBins.From(TestBaselines.Categorical("kind", "0", "3", "7")).BinOf(value));

    [Fact]
    public void CategoryBin_CategoriesOutOfOrderOrNamed_CodesKeepTheirOwnBins()
    {
        var bins = FeatureBins.From(TestBaselines.Categorical("kind", "9", "red", "2.5", "1"));

        Assert.Equal([0, 2, 3, 4, 4], new[] { 9f, 2.5f, 1f, 0f, 4f }.Select(bins.BinOf));
    }

    [Fact]
    public void From_CountsNotMatchingTheEdges_Refused()
    {
        var profile = TestBaselines.Numeric("x", 1, 2) with { Counts = [1, 2] };

        var refused = Assert.Throws<ArgumentException>(() => FeatureBins.From(profile));

        Assert.Contains("2 edges make 3 bins, but it has 2 counts", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_EdgesNotAscending_Refused() =>
        Assert.Throws<ArgumentException>(() => FeatureBins.From(TestBaselines.Numeric("x", 2, 1)));
}
