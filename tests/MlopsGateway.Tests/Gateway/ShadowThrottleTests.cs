using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Shadow;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Gateway;

/// <summary>How the share of shadow copies follows the CPU readings it is given, one reading per tick.</summary>
public class ShadowThrottleTests
{
    private readonly LogCollector _logs = new();

    private readonly FakeTimeProvider _time = new();

    private ShadowThrottle Throttle(Queue<double?> readings, double limit = 90) =>
        new(() => readings.Dequeue(), limit, RandomSource.Seeded(7), _logs.CreateLogger("throttle"), _time);

    [Fact]
    public void Tick_CpuAboveLimit_ShareHalvesDownToOneIn64_ThatShareStillAdmitted()
    {
        var throttle = Throttle(new Queue<double?>([95, 95, 95, 95, 95, 95, 95, 95]));

        var shares = Enumerable.Range(0, 8).Select(_ =>
        {
            throttle.Tick();
            return throttle.Share;
        }).ToArray();
        var admitted = Enumerable.Range(0, 64_000).Count(_ => throttle.Admit());

        // A rollout's shadow phase needs compared rows even on a saturated gateway: the share stops at 1/64.
        Assert.Equal([0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.015625, 0.015625], shares);
        Assert.InRange(admitted, 800, 1_200);
    }

    [Fact]
    public void Tick_CpuBackUnderLimit_ShareClimbsInSteps()
    {
        var throttle = Throttle(new Queue<double?>([100, 100, 100, 100, 100, 100, 100, 90, 40, 40, 40, 40, 40, 40, 40, 40]));
        for (var i = 0; i < 7; i++)
        {
            throttle.Tick();
        }

        var shares = Enumerable.Range(0, 9).Select(_ =>
        {
            throttle.Tick();
            return throttle.Share;
        }).ToArray();

        // At the limit counts as room; the climb starts from the floor of 1/64.
        Assert.Equal([0.140625, 0.265625, 0.390625, 0.515625, 0.640625, 0.765625, 0.890625, 1, 1], shares);
        Assert.True(throttle.Admit());
    }

    [Fact]
    public void Admit_HalfShare_AboutHalfOfTheCopies()
    {
        var throttle = Throttle(new Queue<double?>([99]));
        throttle.Tick();

        var admitted = Enumerable.Range(0, 10_000).Count(_ => throttle.Admit());

        Assert.InRange(admitted, 4_800, 5_200);
    }

    [Fact]
    public void Tick_NoReading_ShareKept()
    {
        var throttle = Throttle(new Queue<double?>([95, null, null]));

        throttle.Tick();
        throttle.Tick();
        throttle.Tick();

        Assert.Equal(0.5, throttle.Share);
    }

    [Fact]
    public void Tick_YieldAndResume_LoggedOnceEachWithTheReading()
    {
        var throttle = Throttle(new Queue<double?>([97, 98, 50, 50, 50, 50, 50, 50, 50, 50]));

        for (var i = 0; i < 10; i++)
        {
            throttle.Tick();
        }

        var events = _logs.Entries.Select(e => (e.Event.Name, e.Message)).ToArray();
        Assert.Equal(2, events.Length);
        Assert.Equal("ShadowYielding", events[0].Name);
        Assert.Contains("the CPU was 97% busy, above the 90% limit", events[0].Message, StringComparison.Ordinal);
        Assert.Equal("ShadowResumed", events[1].Name);
        Assert.Contains("the CPU was 50% busy", events[1].Message, StringComparison.Ordinal);
        Assert.Equal(LogLevel.Information, _logs.Entries.First().Level);
    }

    [Fact]
    public void Tick_CpuHoveringAtTheLimit_YieldLoggedOnceAMinute()
    {
        // Yield, resume, twice within the minute, then once more after it.
        var throttle = Throttle(new Queue<double?>([95, 50, 50, 50, 50, 95, 50, 50, 50, 50, 95, 50, 50, 50, 50]));
        for (var i = 0; i < 10; i++)
        {
            throttle.Tick();
            _time.Advance(ShadowThrottle.Period);
        }
        _time.Advance(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 5; i++)
        {
            throttle.Tick();
        }

        Assert.Equal(["ShadowYielding", "ShadowResumed", "ShadowYielding", "ShadowResumed"], _logs.Entries.Select(e => e.Event.Name));
    }

    [Fact]
    public void Tick_NoReadingFor2Seconds_WarnedOnceSharesKept()
    {
        var throttle = Throttle(new Queue<double?>([null, null, null, null, null, null, null, null, null, null, null, null]));

        for (var i = 0; i < 12; i++)
        {
            throttle.Tick();
        }

        var entry = Assert.Single(_logs.Entries);
        Assert.Equal(("ShadowCpuUnread", LogLevel.Warning), (entry.Event.Name, entry.Level));
        Assert.Contains("every sampled copy is sent even above the 90% limit", entry.Message, StringComparison.Ordinal);
        Assert.Equal(1, throttle.Share);
    }

    [Fact]
    public void Never_AdmitsEveryCopy()
    {
        var throttle = ShadowThrottle.Never(RandomSource.Seeded(1));

        throttle.Tick();

        Assert.Equal(1, throttle.Share);
        Assert.True(Enumerable.Range(0, 100).All(_ => throttle.Admit()));
    }
}
