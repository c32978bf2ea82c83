using System.Text.Json;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Registry;

/// <summary>The change count, and writing a snapshot back over a Redis that lost changes; each test has a redis-server of its own.</summary>
public class RegistryRestoreTests
{
    private static ApiKeyRecord Key(string name) => new(name + "-id", name, ApiKeyHasher.Hash("secret-of-" + name), ["*"], DateTimeOffset.UnixEpoch);

    private static Task SetAsync(IDatabase db, string hash, string field, object record) =>
        db.HashSetAsync(hash, field, JsonSerializer.Serialize(record));

    [Fact]
    public async Task Changes_EachKeyAndRouteChange_CountsOne()
    {
        await using var server = await RedisProcess.StartAsync();
        await using var redis = await RedisConnector.ConnectAsync(server.Address);
        var restore = new RegistryRestore(redis);
        var model = await FakeWorker.RegisterAsync(redis, "count", "1", "2");

        Assert.Equal(0, await restore.ReadGenerationAsync());
        await new ApiKeyStore(redis).CreateAsync("counted", []);
        await new RouteStore(redis).ChangeAsync(model, (_, _) => new RouteRecord("", "1"), "tests");
        await new ApiKeyStore(redis).RevokeAsync("counted");
        await new ApiKeyStore(redis).RevokeAsync("no-such-key");

        Assert.Equal(3, await restore.ReadGenerationAsync());
    }

    [Fact]
    public async Task RestoreAsync_CountAsRead_RedisHoldsTheSnapshotAndRouteChangesAreAudited()
    {
        await using var server = await RedisProcess.StartAsync();
        await using var redis = await RedisConnector.ConnectAsync(server.Address);
        var db = redis.GetDatabase();
        // Redis as an older save left it: a key revoked since, an old quota, a route changed since and one
        // removed since; and what was made after the snapshot was read, which stays.
        var readAt = DateTimeOffset.UnixEpoch.AddDays(1);
        var (kept, changed, revoked, created) = (Key("kept"), Key("changed"), Key("revoked"), Key("created"));
        var madeLater = Key("made-later") with { CreatedAt = readAt.AddSeconds(1) };
        await SetAsync(db, RedisKeys.Default.ApiKeys, kept.Hash, kept);
        await SetAsync(db, RedisKeys.Default.ApiKeys, changed.Hash, changed with { RatePerSecond = 1 });
        await SetAsync(db, RedisKeys.Default.ApiKeys, revoked.Hash, revoked);
        await SetAsync(db, RedisKeys.Default.ApiKeys, madeLater.Hash, madeLater);
        await SetAsync(db, RedisKeys.Default.Routes, "a", new RouteRecord("a", "1"));
        await SetAsync(db, RedisKeys.Default.Routes, "b", new RouteRecord("b", "1"));
        await SetAsync(db, RedisKeys.Default.Routes, "c", new RouteRecord("c", "3", UpdatedAt: readAt.AddSeconds(1)));
        await db.StringSetAsync(RedisKeys.Default.Generation, 40);

        var restored = await new RegistryRestore(redis).RestoreAsync(
            [kept, changed, created], [new RouteRecord("a", "2", UpdatedBy: "alice"), new RouteRecord("c", "1")], readAt, read: 40, restoreTo: 57, "gateway g1");

        Assert.Equal(new RestoredChanges(KeysWritten: 2, KeysRemoved: 1, RoutesWritten: 1, RoutesRemoved: 1), restored);
        var keys = await new ApiKeyStore(redis).ListAsync();
        Assert.Equal(["changed", "created", "kept", "made-later"], keys.Select(k => k.Name).Order());
        Assert.Null(Assert.Single(keys, k => k.Name == "changed").RatePerSecond);
        var routes = new RouteStore(redis);
        Assert.Equal("stable 2", (await routes.GetAsync("a"))!.Describe());
        Assert.Null(await routes.GetAsync("b"));
        Assert.Equal("stable 3", (await routes.GetAsync("c"))!.Describe());
        Assert.Equal(57, await new RegistryRestore(redis).ReadGenerationAsync());
        var a = Assert.Single(await routes.HistoryAsync("a"));
        Assert.Equal(("gateway g1", "stable 1", "stable 2"), (a.By, a.Before!.Describe(), a.After!.Describe()));
        Assert.Null(Assert.Single(await routes.HistoryAsync("b")).After);
    }

    [Fact]
    public async Task RestoreAsync_CountMovedSinceRead_NothingWritten()
    {
        await using var server = await RedisProcess.StartAsync();
        await using var redis = await RedisConnector.ConnectAsync(server.Address);
        var store = new ApiKeyStore(redis);
        await store.CreateAsync("made-after-the-read", []);

        var restored = await new RegistryRestore(redis).RestoreAsync([Key("from-the-snapshot")], [], DateTimeOffset.UtcNow, read: 0, restoreTo: 9, "gateway g1");

        Assert.Null(restored);
        Assert.Equal(["made-after-the-read"], (await store.ListAsync()).Select(k => k.Name));
        Assert.Equal(1, await new RegistryRestore(redis).ReadGenerationAsync());
    }
}
