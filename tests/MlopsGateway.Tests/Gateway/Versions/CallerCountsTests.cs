using MlopsGateway.Gateway.Versions;

namespace MlopsGateway.Tests.Gateway.Versions;

public sealed class CallerCountsTests
{
    [Fact]
    public void Take_CountsPerCaller_LatestSeen_ThenZero()
    {
        var counts = new CallerCounts();
        counts.Record("m", "1", "k1", 100);
        counts.Record("m", "1", "k1", 300);
        counts.Record("m", "1", "k1", 200);
        counts.Record("m", "1", "k2", 150);

        var taken = counts.Take().OrderBy(c => c.Caller).ToArray();

        Assert.Equal([new CallerCount("m", "1", "k1", 3, 300), new CallerCount("m", "1", "k2", 1, 150)], taken);
        Assert.Empty(counts.Take());
    }

    [Fact]
    public void Return_FailedCounts_CarriedToTheNextTake()
    {
        var counts = new CallerCounts();
        counts.Record("m", "1", "k1", 100);
        counts.Return(counts.Take());
        counts.Record("m", "1", "k1", 200);

        Assert.Equal([new CallerCount("m", "1", "k1", 2, 200)], counts.Take());
    }
}
