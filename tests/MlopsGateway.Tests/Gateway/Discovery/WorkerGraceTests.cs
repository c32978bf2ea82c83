using MlopsGateway.Gateway.Discovery;
using static MlopsGateway.Tests.Gateway.Discovery.FakeSnapshotSource;

namespace MlopsGateway.Tests.Gateway.Discovery;

/// <summary>
/// Workers whose record vanished from a re-read: kept while their health checks pass (up to the
/// limit), dropped at once when they fail them or announced leaving, kept for the grace period when
/// never judged.
/// </summary>
public class WorkerGraceTests
{
    private static readonly DateTimeOffset s_start = DateTimeOffset.UnixEpoch;
    private static readonly TimeSpan s_grace = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(2);

    // What the health checks say, by worker id; a worker not listed is unjudged.
    private readonly Dictionary<string, WorkerProbe> _probes = [];

    private WorkerGrace Grace() => new(s_grace, s_limit, w => _probes.GetValueOrDefault(w.Id, WorkerProbe.Unknown));

    private static string[] Ids(WorkerMerge merge) => merge.Workers.Select(w => w.Id).ToArray();

    [Fact]
    public void Merge_UnjudgedWorkerMissingWithinGrace_Kept()
    {
        var grace = Grace();
        grace.Merge([WorkerAt("b"), WorkerAt("a")], s_start);

        var merged = grace.Merge([WorkerAt("b")], s_start.AddSeconds(10));

        Assert.Equal(["a", "b"], Ids(merged));
        Assert.Equal(["a"], merged.Held);
        var change = Assert.Single(merged.Changes);
        Assert.Equal(("a", WorkerHoldOutcome.Held), (change.Worker.Id, change.Outcome));
    }

    [Fact]
    public void Merge_UnjudgedWorkerMissingPastGrace_Dropped()
    {
        var grace = Grace();
        grace.Merge([WorkerAt("a"), WorkerAt("b")], s_start);
        grace.Merge([WorkerAt("b")], s_start.AddSeconds(5));

        var merged = grace.Merge([WorkerAt("b")], s_start.AddSeconds(10.001));

        Assert.Equal(["b"], Ids(merged));
        Assert.Empty(merged.Held);
        var change = Assert.Single(merged.Changes);
        Assert.Equal(("a", WorkerHoldOutcome.Unjudged, true), (change.Worker.Id, change.Outcome, change.WasHeld));
    }

    [Fact]
    public void Merge_AnsweringWorkerMissingPastGrace_KeptAndReportedOnce()
    {
        var grace = Grace();
        grace.Merge([WorkerAt("a"), WorkerAt("b")], s_start);
        _probes["a"] = WorkerProbe.Answering;

        var first = grace.Merge([WorkerAt("b")], s_start.AddSeconds(5));
        var later = grace.Merge([WorkerAt("b")], s_start.AddSeconds(90));

        Assert.Equal(["a", "b"], Ids(later));
        Assert.Equal(["a"], later.Held);
        Assert.Equal(WorkerHoldOutcome.Held, Assert.Single(first.Changes).Outcome);
        Assert.Empty(later.Changes);
    }

    [Fact]
    public void Merge_AnsweringWorkerMissingPastTheLimit_Dropped()
    {
        var grace = Grace();
        grace.Merge([WorkerAt("a")], s_start);
        _probes["a"] = WorkerProbe.Answering;
        grace.Merge([], s_start.AddSeconds(1));

        var atLimit = grace.Merge([], s_start + s_limit);
        var past = grace.Merge([], s_start + s_limit + TimeSpan.FromMilliseconds(1));

        Assert.Equal(["a"], Ids(atLimit));
        Assert.Empty(past.Workers);
        Assert.Equal(WorkerHoldOutcome.LimitReached, Assert.Single(past.Changes).Outcome);
    }

    [Fact]
    public void Merge_HeldWorkerStopsAnswering_DroppedAtOnce()
    {
        var grace = Grace();
        grace.Merge([WorkerAt("a"), WorkerAt("b")], s_start);
        _probes["a"] = WorkerProbe.Answering;
        grace.Merge([WorkerAt("b")], s_start.AddSeconds(30));
        _probes["a"] = WorkerProbe.NotAnswering;

        var merged = grace.Merge([WorkerAt("b")], s_start.AddSeconds(31));

        Assert.Equal(["b"], Ids(merged));
        var change = Assert.Single(merged.Changes);
        Assert.Equal(("a", WorkerHoldOutcome.NotAnswering, true), (change.Worker.Id, change.Outcome, change.WasHeld));
    }

    [Fact]
    public void Merge_FailingWorkerMissing_DroppedAtOnceWithinGrace()
    {
        var grace = Grace();
        grace.Merge([WorkerAt("a"), WorkerAt("b")], s_start);
        _probes["a"] = WorkerProbe.NotAnswering;

        var merged = grace.Merge([WorkerAt("b")], s_start.AddSeconds(1));

        Assert.Equal(["b"], Ids(merged));
        var change = Assert.Single(merged.Changes);
        Assert.Equal(("a", WorkerHoldOutcome.NotAnswering, false), (change.Worker.Id, change.Outcome, change.WasHeld));
    }

    [Fact]
    public void Merge_AnsweringWorkerDeparted_DroppedAtOnce()
    {
        var grace = Grace();
        grace.Merge([WorkerAt("a"), WorkerAt("b")], s_start);
        _probes["a"] = WorkerProbe.Answering;
        grace.Merge([WorkerAt("b")], s_start.AddSeconds(1));
        grace.Departed("a");

        var merged = grace.Merge([WorkerAt("b")], s_start.AddSeconds(2));

        Assert.Equal(["b"], Ids(merged));
        Assert.Equal(WorkerHoldOutcome.Departed, Assert.Single(merged.Changes).Outcome);
    }

    [Fact]
    public void Merge_DepartedBeforeItsRecordWentMissing_DroppedAtOnceWithoutAHold()
    {
        var grace = Grace();
        grace.Merge([WorkerAt("a"), WorkerAt("b")], s_start);
        _probes["a"] = WorkerProbe.Answering;
        grace.Departed("a");

        var merged = grace.Merge([WorkerAt("b")], s_start.AddSeconds(1));

        Assert.Equal(["b"], Ids(merged));
        Assert.Empty(merged.Held);
        Assert.Empty(merged.Changes);
    }

    [Fact]
    public void Merge_HeldWorkerRegistersAgain_RecordBackAndNoLongerHeld()
    {
        var grace = Grace();
        grace.Merge([WorkerAt("a")], s_start);
        _probes["a"] = WorkerProbe.Answering;
        grace.Merge([], s_start.AddSeconds(20));

        var merged = grace.Merge([WorkerAt("a", ("m", "2"))], s_start.AddSeconds(25));

        Assert.Empty(merged.Held);
        Assert.Equal("2", Assert.Single(Assert.Single(merged.Workers).Models).Version);
        var change = Assert.Single(merged.Changes);
        Assert.Equal((WorkerHoldOutcome.RecordBack, TimeSpan.FromSeconds(25)), (change.Outcome, change.Missing));
    }

    [Fact]
    public void Merge_AnotherWorkerRegisteredAtItsAddress_Dropped()
    {
        var grace = Grace();
        grace.Merge([WorkerAt("a")], s_start);
        // The probe of that address passes: it is the new worker's.
        _probes["a"] = WorkerProbe.Answering;
        var successor = WorkerAt("a2") with { Address = WorkerAt("a").Address };

        var merged = grace.Merge([successor], s_start.AddSeconds(1));

        Assert.Equal(["a2"], Ids(merged));
        Assert.Equal(WorkerHoldOutcome.AddressTaken, Assert.Single(merged.Changes).Outcome);
    }

    [Fact]
    public void Merge_TwoMergesAtTheSameInstant_TheSecondStillSeesTheWorkerMissing()
    {
        var grace = Grace();
        grace.Merge([WorkerAt("a")], s_start);

        var merged = grace.Merge([], s_start);

        Assert.Equal(["a"], merged.Held);
    }

    [Fact]
    public void Merge_WorkerReadAgain_TakesTheNewRecord()
    {
        var grace = new WorkerGrace(TimeSpan.Zero, TimeSpan.Zero, _ => WorkerProbe.Unknown);
        grace.Merge([WorkerAt("a", ("m", "1"))], s_start);

        var merged = grace.Merge([WorkerAt("a", ("m", "2"))], s_start.AddSeconds(5));

        Assert.Equal("2", Assert.Single(Assert.Single(merged.Workers).Models).Version);
        Assert.Empty(merged.Changes);
    }

    [Fact]
    public void Merge_UnjudgedWorkerMissingWithoutGrace_DroppedOnTheFirstReadWithoutIt()
    {
        var grace = new WorkerGrace(TimeSpan.Zero, s_limit, _ => WorkerProbe.Unknown);
        grace.Merge([WorkerAt("a")], s_start);

        var merged = grace.Merge([], s_start.AddMilliseconds(1));

        Assert.Empty(merged.Workers);
        Assert.Equal(WorkerHoldOutcome.Unjudged, Assert.Single(merged.Changes).Outcome);
    }
}
