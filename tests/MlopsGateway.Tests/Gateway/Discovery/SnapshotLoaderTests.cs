using Microsoft.Extensions.Time.Testing;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Registry;
using static MlopsGateway.Tests.Gateway.Discovery.FakeSnapshotSource;

namespace MlopsGateway.Tests.Gateway.Discovery;

/// <summary>The snapshot's generation and restore policy, over an in-memory source.</summary>
public class SnapshotLoaderTests
{
    private static readonly RouteRecord s_route = new("propensity", "1", Canary: "2", CanaryWeight: 10);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch.AddDays(1));

    private SnapshotLoader Loader(FakeSnapshotSource source) => new(source, new WorkerGrace(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(2), _ => WorkerProbe.Unknown), _time);

    [Fact]
    public async Task LoadAsync_CountBelowTheOneSeen_WritesTheLastSnapshotBackThenReadsAgain()
    {
        var source = new FakeSnapshotSource()
            .Then(new SnapshotRead([Key("a")], [s_route], [], 7))
            .Then(new SnapshotRead([], [], [], 0))
            .Then(new SnapshotRead([Key("a")], [s_route], [], 7));
        var loader = Loader(source);
        var first = await loader.LoadAsync(GatewaySnapshot.Empty);

        var second = await loader.LoadAsync(first.Snapshot);

        var restore = Assert.Single(source.Restores);
        Assert.Equal((0L, 7L), (restore.Read, restore.RestoreTo));
        Assert.Equal("a", Assert.Single(restore.Keys).Id);
        Assert.Equal(s_route, Assert.Single(restore.Routes));
        var restoration = Assert.Single(second.Restorations);
        Assert.Equal((0L, 7L), (restoration.Read, restoration.Seen));
        Assert.Equal(1, second.Snapshot.Keys.Count);
        Assert.Equal(7, loader.Generation);
    }

    [Fact]
    public async Task LoadAsync_AnotherGatewayRestoresFirst_ReadsAgainWithoutReportingARestore()
    {
        var source = new FakeSnapshotSource()
            .Then(new SnapshotRead([Key("a")], [], [], 5))
            .Then(new SnapshotRead([], [], [], 0))
            .Then(new SnapshotRead([Key("a")], [], [], 5));
        source.RestoreAnswers.Enqueue(null);
        var loader = Loader(source);
        var first = await loader.LoadAsync(GatewaySnapshot.Empty);

        var second = await loader.LoadAsync(first.Snapshot);

        Assert.Single(source.Restores);
        Assert.Empty(second.Restorations);
        Assert.Equal(5, loader.Generation);
    }

    [Fact]
    public async Task LoadAsync_CountStaysBelow_GivesUpAfterThreeAttempts()
    {
        var source = new FakeSnapshotSource()
            .Then(new SnapshotRead([Key("a")], [], [], 5))
            .Then(new SnapshotRead([], [], [], 2));
        source.RestoreAnswers.Enqueue(null);
        source.RestoreAnswers.Enqueue(null);
        source.RestoreAnswers.Enqueue(null);
        source.RestoreAnswers.Enqueue(null);
        var loader = Loader(source);
        var first = await loader.LoadAsync(GatewaySnapshot.Empty);

        var second = await loader.LoadAsync(first.Snapshot);

        Assert.Equal(3, source.Restores.Count);
        Assert.Equal(0, second.Snapshot.Keys.Count);
        Assert.Equal(2, loader.Generation);
    }

    [Fact]
    public async Task LoadAsync_NothingHeldYet_NeverRestores()
    {
        var source = new FakeSnapshotSource().Then(new SnapshotRead([], [], [], 0));
        var loader = Loader(source);

        var load = await loader.LoadAsync(GatewaySnapshot.Empty);

        Assert.Empty(source.Restores);
        Assert.Equal(0, source.Starts);
        Assert.Equal(_time.GetUtcNow(), load.Snapshot.LoadedAt);
    }

    [Fact]
    public async Task LoadAsync_KeysWithoutACount_StartsTheCount()
    {
        var source = new FakeSnapshotSource { StartedGeneration = 1 }.Then(new SnapshotRead([Key("a")], [], [], 0));
        var loader = Loader(source);

        await loader.LoadAsync(GatewaySnapshot.Empty);

        Assert.Equal(1, source.Starts);
        Assert.Equal(1, loader.Generation);
        Assert.Empty(source.Restores);
    }

    [Fact]
    public async Task LoadAsync_CountRises_NoRestore()
    {
        var source = new FakeSnapshotSource()
            .Then(new SnapshotRead([Key("a")], [], [], 3))
            .Then(new SnapshotRead([Key("a"), Key("b")], [], [], 4));
        var loader = Loader(source);
        var first = await loader.LoadAsync(GatewaySnapshot.Empty);

        var second = await loader.LoadAsync(first.Snapshot);

        Assert.Empty(source.Restores);
        Assert.Equal(2, second.Snapshot.Keys.Count);
        Assert.Equal(4, loader.Generation);
    }
}
