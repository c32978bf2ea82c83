using MlopsGateway.Gateway.Forwarding;
using Yarp.ReverseProxy.Forwarder;

namespace MlopsGateway.Tests.Gateway.Forwarding;

/// <summary>When a failed call is sent once more, the body kept for it, and the caller's deadline carried on.</summary>
public sealed class RetryDecisionTests
{
    // The worker died after the whole request was sent, nothing answered, the caller waiting with time left.
    private static readonly RetryDecision s_reset = new(ForwarderError.Request, BodyStarted: true, Replayable: true, ResponseStarted: false,
        CallerGone: false, OtherWorkers: 1, Remaining: TimeSpan.FromSeconds(5), RetryOnReset: true);

    [Theory]
    [InlineData(ForwarderError.Request)]
    [InlineData(ForwarderError.RequestBodyDestination)]
    [InlineData(ForwarderError.ResponseBodyDestination)]
    public void Decide_WorkerSideBrokeInFlight_SentAgainAsReset(ForwarderError error)
    {
        Assert.Equal(RetryReason.Reset, (s_reset with { Error = error }).Decide());
        Assert.Equal(RetryReason.Reset, (s_reset with { Error = error, Remaining = null }).Decide());
    }

    [Theory]
    [InlineData(ForwarderError.RequestTimedOut)]
    [InlineData(ForwarderError.RequestBodyClient)]
    [InlineData(ForwarderError.ResponseBodyClient)]
    [InlineData(ForwarderError.ResponseHeaders)]
    [InlineData(ForwarderError.RequestCanceled)]
    [InlineData(ForwarderError.RequestBodyCanceled)]
    public void Decide_NotTheWorkersConnection_NotSentAgain(ForwarderError error)
    {
        Assert.Equal(RetryReason.None, (s_reset with { Error = error }).Decide());
    }

    [Fact]
    public void Decide_AnythingOfTheAnswerSent_NotSentAgain()
    {
        Assert.Equal(RetryReason.None, (s_reset with { ResponseStarted = true }).Decide());
        Assert.Equal(RetryReason.None, (s_reset with { ResponseStarted = true, BodyStarted = false }).Decide());
    }

    [Fact]
    public void Decide_BodyNotKeptOrSwitchedOff_NotSentAgain()
    {
        Assert.Equal(RetryReason.None, (s_reset with { Replayable = false }).Decide());
        Assert.Equal(RetryReason.None, (s_reset with { RetryOnReset = false }).Decide());
    }

    [Fact]
    public void Decide_DeadlinePassedCallerGoneOrNoOtherWorker_NotSentAgain()
    {
        Assert.Equal(RetryReason.None, (s_reset with { Remaining = TimeSpan.Zero }).Decide());
        Assert.Equal(RetryReason.None, (s_reset with { Remaining = TimeSpan.FromMilliseconds(-3), BodyStarted = false }).Decide());
        Assert.Equal(RetryReason.None, (s_reset with { CallerGone = true }).Decide());
        Assert.Equal(RetryReason.None, (s_reset with { OtherWorkers = 0, BodyStarted = false }).Decide());
    }

    [Fact]
    public void Decide_NothingOfTheBodyRead_SentAgainAsUnsentEvenSwitchedOff()
    {
        var unsent = s_reset with { BodyStarted = false, Replayable = false, RetryOnReset = false };

        Assert.Equal(RetryReason.Unsent, unsent.Decide());
        Assert.Equal(RetryReason.Unsent, (unsent with { Error = ForwarderError.RequestTimedOut }).Decide());
        Assert.Equal(RetryReason.None, (unsent with { Error = ForwarderError.RequestCanceled }).Decide());
    }

    [Theory]
    [InlineData("1H", 3600_000)]
    [InlineData("2M", 120_000)]
    [InlineData("30S", 30_000)]
    [InlineData("250m", 250)]
    [InlineData("1500u", 1.5)]
    [InlineData("99999999n", 99.9999)]
    public void Timeout_EveryUnit_Parsed(string value, double milliseconds)
    {
        Assert.True(GrpcTimeout.TryParse(value, out var timeout));
        Assert.Equal(milliseconds, timeout.TotalMilliseconds, 4);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("m")]
    [InlineData("5s")]
    [InlineData("-5m")]
    [InlineData("123456789m")]
    public void Timeout_Malformed_NotParsed(string? value)
    {
        Assert.False(GrpcTimeout.TryParse(value, out _));
    }

    [Fact]
    public void Timeout_Formatted_RoundedUpAndWithinEightDigits()
    {
        Assert.Equal("1235m", GrpcTimeout.Format(TimeSpan.FromMilliseconds(1234.2)));
        Assert.Equal("1m", GrpcTimeout.Format(TimeSpan.FromTicks(3)));
        Assert.Equal("100000S", GrpcTimeout.Format(TimeSpan.FromSeconds(100_000)));
        Assert.True(GrpcTimeout.TryParse(GrpcTimeout.Format(TimeSpan.FromDays(10_000)), out var capped));
        Assert.True(capped > TimeSpan.FromDays(1000));
    }

    [Fact]
    public async Task ReplayBody_Replayed_SameBytesThenTheRest()
    {
        var original = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        using var body = new ReplayBody(new MemoryStream(original), limit: 1000, expected: 100);
        var first = new byte[60];
        await body.ReadExactlyAsync(first);

        Assert.True(body.CanReplay);
        body.Replay();
        var again = new byte[100];
        await body.ReadExactlyAsync(again);

        Assert.Equal(original, again);
        Assert.Equal(0, await body.ReadAsync(new byte[1]));
        // Never twice.
        Assert.False(body.CanReplay);
        Assert.Throws<InvalidOperationException>(body.Replay);
    }

    [Fact]
    public async Task ReplayBody_PastItsLimit_StreamsOnButCannotReplay()
    {
        var original = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        using var body = new ReplayBody(new MemoryStream(original), limit: 64, expected: 0);
        var read = new MemoryStream();

        await body.CopyToAsync(read, bufferSize: 16);

        Assert.Equal(original, read.ToArray());
        Assert.False(body.CanReplay);
    }
}
