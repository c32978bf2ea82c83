using MlopsGateway.LoadTest;

namespace MlopsGateway.Tests.LoadTest;

public class ArrivalScheduleTests
{
    [Fact]
    public void Next_Constant_EvenlySpacedFromZero()
    {
        var schedule = new ArrivalSchedule(500, ArrivalProcess.Constant, seed: 1);
        var offsets = Enumerable.Range(0, 1001).Select(_ => schedule.Next()).ToList();

        Assert.Equal(TimeSpan.Zero, offsets[0]);
        Assert.Equal(TimeSpan.FromMilliseconds(2), offsets[1]);
        Assert.Equal(TimeSpan.FromSeconds(2), offsets[1000]);
        // Offsets come from the index, so they never drift; single gaps may round by one 100 ns tick.
        Assert.All(offsets.Select((o, i) => (o, i)), p => Assert.Equal(TimeSpan.FromSeconds(p.i / 500.0), p.o));
        Assert.All(offsets.Zip(offsets.Skip(1)), p => Assert.InRange((p.Second - p.First).Ticks, 19_999, 20_001));
    }

    [Fact]
    public void Next_Poisson_SameSeedSameScheduleWithMeanGapOfOneOverRate()
    {
        static List<TimeSpan> Draw(int seed)
        {
            var schedule = new ArrivalSchedule(500, ArrivalProcess.Poisson, seed);
            return Enumerable.Range(0, 20_001).Select(_ => schedule.Next()).ToList();
        }
        var first = Draw(7);

        Assert.Equal(first, Draw(7));
        Assert.NotEqual(first, Draw(8));
        Assert.All(first.Zip(first.Skip(1)), p => Assert.True(p.Second >= p.First));
        var gaps = first.Zip(first.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToList();
        // 20,000 exponential gaps: the mean is within 3% of 2 ms, and they vary as exponential gaps do (sd = mean).
        Assert.InRange(gaps.Average(), 1.94, 2.06);
        var sd = Math.Sqrt(gaps.Average(g => Math.Pow(g - gaps.Average(), 2)));
        Assert.InRange(sd, 1.8, 2.2);
    }
}
