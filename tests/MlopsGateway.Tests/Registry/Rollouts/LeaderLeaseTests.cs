using MlopsGateway.Registry.Rollouts;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Registry.Rollouts;

/// <summary>The controllers' leader lease and its fencing on every server in <see cref="RedisTargets"/>, each test in a namespace of its own.</summary>
public class LeaderLeaseTests
{
    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task RefreshAsync_TwoContenders_OneHoldsUntilItReleasesThenTheOtherWithAHigherToken(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var keys = RedisTargets.NewKeys();
        var a = new LeaderLease(redis, "a", TimeSpan.FromSeconds(30), keys);
        var b = new LeaderLease(redis, "b", TimeSpan.FromSeconds(30), keys);

        var first = (await a.RefreshAsync()).Hold;
        var refused = await b.RefreshAsync();
        var renewed = await a.RefreshAsync();

        Assert.NotNull(first);
        Assert.Null(refused.Hold);
        Assert.False(refused.Lost);
        Assert.Equal(first, renewed.Hold);
        Assert.Equal(first, await LeaderLease.CurrentAsync(redis, keys));

        await a.ReleaseAsync();
        var second = (await b.RefreshAsync()).Hold;

        Assert.NotNull(second);
        Assert.Equal("b", second.Holder);
        Assert.True(second.Token > first.Token, $"token {second.Token} after {first.Token}");
        Assert.Null(a.Held);
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task RefreshAsync_LeaseExpiredAndTakenByAnother_LossDetectedAndItsWritesRefused(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var keys = RedisTargets.NewKeys();
        var store = new RolloutStore(redis, keys);
        await store.StartAsync(RolloutRecords.New());
        var a = new LeaderLease(redis, "a", TimeSpan.FromMilliseconds(300), keys);
        var b = new LeaderLease(redis, "b", TimeSpan.FromSeconds(30), keys);
        var old = (await a.RefreshAsync()).Hold!;
        var read = await store.ReadAsync("m");

        // A pause longer than the lease (a GC, a stalled VM): another gateway takes over meanwhile.
        LeaseHold? taken = null;
        await Wait.UntilAsync(async () => (taken = (await b.RefreshAsync()).Hold) is not null);
        var fresh = await store.ReadAsync("m");
        Assert.True(await store.WriteAsLeaderAsync(fresh, fresh.Record! with { Reason = "b's" }, taken!));

        // The stale leader's write, even against the record it read before the pause, changes nothing.
        Assert.False(await store.WriteAsLeaderAsync(read, read.Record! with { Reason = "a's" }, old));
        var (hold, lost) = await a.RefreshAsync();

        Assert.True(lost);
        Assert.Null(hold);
        var stored = (await store.ReadAsync("m")).Record!;
        Assert.Equal("b's", stored.Reason);
        Assert.Equal(taken!.Token, stored.Fence);
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task WriteAsLeaderAsync_RecordWrittenUnderANewerToken_RefusedEvenWithTheLeaseHeld(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var keys = RedisTargets.NewKeys();
        var store = new RolloutStore(redis, keys);
        await store.StartAsync(RolloutRecords.New());
        var a = new LeaderLease(redis, "a", TimeSpan.FromSeconds(30), keys);
        var hold = (await a.RefreshAsync()).Hold!;
        var read = await store.ReadAsync("m");
        Assert.True(await store.WriteAsLeaderAsync(read, read.Record! with { Reason = "first" }, hold));

        var newer = await store.ReadAsync("m");
        var older = new LeaseHold(hold.Token - 1, "a");

        Assert.False(await store.WriteAsLeaderAsync(newer, newer.Record! with { Reason = "older token" }, older));
        Assert.Equal("first", (await store.ReadAsync("m")).Record!.Reason);
    }
}
