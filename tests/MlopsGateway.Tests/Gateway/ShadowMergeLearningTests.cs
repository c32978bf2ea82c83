using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;
using MlopsGateway.Gateway.Shadow;

namespace MlopsGateway.Tests.Gateway;

/// <summary>When a stream stops merging copies of one kind, and for how long, on a fake clock.</summary>
public class ShadowMergeLearningTests
{
    private static readonly ByteString s_key = ByteString.CopyFromUtf8("propensity/2 [?, 5]");
    private static readonly ByteString s_other = ByteString.CopyFromUtf8("propensity/2 [?, 6]");
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void StopMerging_ThatKeyAloneForAMinuteOthersStillMerged()
    {
        var learning = new ShadowMergeLearning(_time);
        Assert.True(learning.Allows(s_key));

        learning.StopMerging(s_key);
        Assert.False(learning.Allows(s_key));
        Assert.True(learning.Allows(s_other));

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(learning.Allows(s_key));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(learning.Allows(s_key));
    }

    [Fact]
    public void Retry_EveryCopyAloneAnswered_MergingWasAtFaultStopsAfterTheLast()
    {
        var learning = new ShadowMergeLearning(_time);
        var retry = learning.Retry(s_key, 3);

        retry.Report(answered: true);
        retry.Report(answered: true);
        Assert.True(learning.Allows(s_key));
        retry.Report(answered: true);

        Assert.False(learning.Allows(s_key));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Retry_OneCopyAloneRefused_ThatCopyWasAtFaultMergingGoesOn(int refused)
    {
        var learning = new ShadowMergeLearning(_time);
        var retry = learning.Retry(s_key, 3);

        for (var i = 0; i < 3; i++)
        {
            retry.Report(answered: i != refused);
        }

        Assert.True(learning.Allows(s_key));
    }
}
