using Inference;
using Microsoft.Extensions.Time.Testing;
using MlopsGateway.Gateway.Shadow;

namespace MlopsGateway.Tests.Gateway;

/// <summary>What a stream gives up on, and how each copy is reported, on a fake clock.</summary>
public class ShadowWaitingTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly List<(string Id, ModelStreamInferResponse? Answer, string? Failure)> _done = [];

    private ShadowWaiting Waiting() => new((work, answer, failure) => _done.Add((work.Id, answer, failure)), _time);

    private static ShadowWork Work(string id) => new("m", "1", "2", id, [], ReadOnlyMemory<byte>.Empty);

    [Fact]
    public void Expire_OnlyMessagesQueuedLongEnoughAgo_EachOfTheirCopiesFailedOnceWithTheReason()
    {
        var waiting = Waiting();
        waiting.Add("old", new ShadowPending([Work("a"), Work("b")], _time.GetTimestamp(), null, [1, 1], null));
        _time.Advance(TimeSpan.FromSeconds(4));
        waiting.Add("new", new ShadowPending([Work("c")], _time.GetTimestamp(), null, null, null));
        _time.Advance(TimeSpan.FromSeconds(6));

        var stalled = waiting.Expire(TimeSpan.FromSeconds(10), "no answer within 10 s");
        waiting.Expire(TimeSpan.FromSeconds(10), "expired twice");

        Assert.Null(stalled);
        Assert.Equal([("a", null, "no answer within 10 s"), ("b", null, "no answer within 10 s")], _done);
        Assert.Equal(1, waiting.Copies);
        Assert.True(waiting.TryTake("new", out var left));
        Assert.Equal("c", left.Works[0].Id);
        Assert.False(waiting.TryTake("old", out _));
    }

    [Fact]
    public void Fail_CopyRetriedAlone_ReportedAsNotAnsweredSoMergingGoesOn()
    {
        var learning = new ShadowMergeLearning(_time);
        var key = Google.Protobuf.ByteString.CopyFromUtf8("k");
        var retry = learning.Retry(key, 1);
        var waiting = Waiting();

        waiting.Fail(new ShadowPending([Work("a") with { Alone = true, Retry = retry }], _time.GetTimestamp(), null, null, null), "stopping");

        Assert.Equal([("a", null, "stopping")], _done);
        Assert.True(learning.Allows(key));
    }
}
