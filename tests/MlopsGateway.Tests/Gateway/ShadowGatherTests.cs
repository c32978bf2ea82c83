using Microsoft.Extensions.Time.Testing;
using MlopsGateway.Gateway.Shadow;

namespace MlopsGateway.Tests.Gateway;

/// <summary>The gather window on a fake clock: it ends when its time is up or when a full message's worth is queued.</summary>
public class ShadowGatherTests
{
    private static readonly TimeSpan s_window = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task WaitAsync_FewCopies_EndsWhenTheWindowHasPassedNotBefore()
    {
        var gather = new ShadowGather(s_window, _time);
        gather.Queued();

        var waiting = gather.WaitAsync(CancellationToken.None);
        _time.Advance(s_window - TimeSpan.FromMilliseconds(1));
        // The window's timer has not fired (a fake clock fires timers inside Advance), so the wait cannot have ended.
        Assert.False(waiting.IsCompleted);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await waiting.WaitAsync(s_deadline);
    }

    [Fact]
    public async Task WaitAsync_FullMessageQueuedDuringTheWindow_EndsWithoutTheClockMoving()
    {
        var gather = new ShadowGather(TimeSpan.FromMinutes(5), _time);
        gather.Queued();
        var waiting = gather.WaitAsync(CancellationToken.None);

        for (var i = 1; i < ShadowBatch.MaxRows; i++)
        {
            gather.Queued();
        }

        await waiting.WaitAsync(s_deadline);
    }

    [Fact]
    public async Task WaitAsync_FullMessageAlreadyQueued_EndsAtOnce()
    {
        var gather = new ShadowGather(TimeSpan.FromMinutes(5), _time);
        for (var i = 0; i < ShadowBatch.MaxRows; i++)
        {
            gather.Queued();
        }

        await gather.WaitAsync(CancellationToken.None).WaitAsync(s_deadline);
        // Claimed again below a full message: the next window waits for its time.
        gather.Claimed();
        var next = gather.WaitAsync(CancellationToken.None);
        Assert.False(next.IsCompleted);
        _time.Advance(TimeSpan.FromMinutes(5));
        await next.WaitAsync(s_deadline);
    }

    [Fact]
    public void WaitAsync_ZeroWindow_DoesNotGatherAndEndsAtOnce()
    {
        var gather = new ShadowGather(TimeSpan.Zero, _time);
        gather.Queued();

        Assert.False(gather.Gathers);
        Assert.True(gather.WaitAsync(CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task WaitAsync_Stopped_Cancelled()
    {
        using var stop = new CancellationTokenSource();
        var gather = new ShadowGather(s_window, _time);
        var waiting = gather.WaitAsync(stop.Token);

        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(s_deadline));
    }
}
