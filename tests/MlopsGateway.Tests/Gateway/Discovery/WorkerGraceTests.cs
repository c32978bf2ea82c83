using MlopsGateway.Gateway.Discovery;
using static MlopsGateway.Tests.Gateway.Discovery.FakeSnapshotSource;

namespace MlopsGateway.Tests.Gateway.Discovery;

/// <summary>Workers that vanish from a re-read stay for the grace period unless they announced leaving.</summary>
public class WorkerGraceTests
{
    private static readonly DateTimeOffset s_start = DateTimeOffset.UnixEpoch;

    [Fact]
    public void Merge_WorkerMissingWithinGrace_Kept()
    {
        var grace = new WorkerGrace(TimeSpan.FromSeconds(10));
        grace.Merge([WorkerAt("b"), WorkerAt("a")], s_start);

        var kept = grace.Merge([WorkerAt("b")], s_start.AddSeconds(10));

        Assert.Equal(["a", "b"], kept.Select(w => w.Id));
    }

    [Fact]
    public void Merge_WorkerMissingPastGrace_Dropped()
    {
        var grace = new WorkerGrace(TimeSpan.FromSeconds(10));
        grace.Merge([WorkerAt("a"), WorkerAt("b")], s_start);

        var kept = grace.Merge([WorkerAt("b")], s_start.AddSeconds(10.001));

        Assert.Equal("b", Assert.Single(kept).Id);
    }

    [Fact]
    public void Merge_WorkerDeparted_DroppedAtOnce()
    {
        var grace = new WorkerGrace(TimeSpan.FromSeconds(10));
        grace.Merge([WorkerAt("a"), WorkerAt("b")], s_start);
        grace.Departed("a");

        var kept = grace.Merge([WorkerAt("b")], s_start.AddSeconds(1));

        Assert.Equal("b", Assert.Single(kept).Id);
    }

    [Fact]
    public void Merge_WorkerReadAgain_TakesTheNewRecord()
    {
        var grace = new WorkerGrace(TimeSpan.Zero);
        grace.Merge([WorkerAt("a", ("m", "1"))], s_start);

        var kept = grace.Merge([WorkerAt("a", ("m", "2"))], s_start.AddSeconds(5));

        Assert.Equal("2", Assert.Single(Assert.Single(kept).Models).Version);
    }
}
