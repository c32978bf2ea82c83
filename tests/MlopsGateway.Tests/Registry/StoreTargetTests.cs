using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Registry;

/// <summary>
/// The stores' multi-key work (transactions with the change count, conditions, MGET of workers,
/// announcements) on every server in <see cref="RedisTargets"/>: Garnet, redis-server and a Redis
/// Cluster, each test in a namespace of its own.
/// </summary>
public class StoreTargetTests
{
    private static WorkerRecord Worker(string id, string model, params string[] versions) =>
        new(id, "http://127.0.0.1:1", [.. versions.Select(v => new ServedVersion(model, v))], true, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

    private static async Task<TaskCompletionSource<string>> ListenAsync(IConnectionMultiplexer redis, string channel, string expected)
    {
        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(channel), (_, message) =>
        {
            if (message == expected)
            {
                heard.TrySetResult(message!);
            }
        });
        return heard;
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task ApiKeyStore_CreateUpdateRevoke_EachCountedAuditedAndAnnounced(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var keys = RedisTargets.NewKeys();
        var store = new ApiKeyStore(redis, keys: keys);

        var (record, secret) = await store.CreateAsync("k", ["m"]);
        var announced = await ListenAsync(redis, keys.ApiKeysChanged, record.Id);
        var updated = await store.UpdateQuotaAsync(record.Id, 5, 10, 2);
        await announced.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var listed = Assert.Single(await store.ListAsync());
        var revoked = await store.RevokeAsync("k");

        Assert.Equal(ApiKeyHasher.Hash(secret), listed.Hash);
        Assert.Equal((5.0, 10, 2), (listed.RatePerSecond, listed.Burst, listed.MaxInFlight));
        Assert.Equal(updated!.Id, listed.Id);
        Assert.Equal([record.Id], revoked.Select(r => r.Id));
        Assert.Empty(await store.ListAsync());
        Assert.Equal([ApiKeyChange.Revoked, ApiKeyChange.QuotaChanged, ApiKeyChange.Created], (await store.HistoryAsync()).Select(c => c.Action));
        Assert.Equal(3, await new RegistryRestore(redis, keys: keys).ReadGenerationAsync());
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task RouteStore_ChangeOverRegisteredWorkers_WrittenCountedAndAnnounced(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var keys = RedisTargets.NewKeys();
        await new WorkerStore(redis, keys).RegisterAsync(Worker("w-1", "m", "1", "2"), TimeSpan.FromSeconds(30));
        var routes = new RouteStore(redis, keys: keys);
        var announced = await ListenAsync(redis, keys.RoutesChanged, "m");

        await routes.ChangeAsync("m", (_, served) => new RouteRecord("", served[0], Canary: served[1], CanaryWeight: 25), "tests");
        var refused = await Assert.ThrowsAsync<RouteValidationException>(() => routes.ChangeAsync("m", (r, _) => r! with { Stable = "9" }, "tests"));

        await announced.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("stable 1; canary 2 at 25%", (await routes.GetAsync("m"))!.Describe());
        Assert.Contains("9", string.Join(" ", refused.Errors), StringComparison.Ordinal);
        Assert.Single(await routes.HistoryAsync("m"));
        Assert.Equal(1, await new RegistryRestore(redis, keys: keys).ReadGenerationAsync());
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task WorkerStore_SeveralWorkers_ListedTogetherExpiredDroppedRemovedAnnounced(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var keys = RedisTargets.NewKeys();
        var store = new WorkerStore(redis, keys);
        foreach (var id in new[] { "w-1", "w-2", "w-3" })
        {
            await store.RegisterAsync(Worker(id, "m", "1"), TimeSpan.FromSeconds(30));
        }
        var announced = await ListenAsync(redis, keys.WorkersChanged, "down:w-3");

        await redis.GetDatabase().KeyDeleteAsync(keys.Worker("w-2"));
        Assert.Equal(["w-1", "w-3"], (await store.ListAsync()).Select(w => w.Id));
        await store.RemoveAsync("w-3");

        await announced.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["w-1"], (await store.ListAsync()).Select(w => w.Id));
        Assert.Equal(["w-1"], (await redis.GetDatabase().SetMembersAsync(keys.Workers)).Select(v => (string)v!));
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task RegistryRestore_CountAsRead_WritesBack_CountMoved_WritesNothing(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var keys = RedisTargets.NewKeys();
        var restore = new RegistryRestore(redis, keys: keys);
        var held = new ApiKeyRecord("k1", "held", ApiKeyHasher.Hash("held-secret-0123456789abcdef0123456789"), ["*"], DateTimeOffset.UnixEpoch);

        var written = await restore.RestoreAsync([held], [new RouteRecord("m", "1")], DateTimeOffset.UtcNow, read: 0, restoreTo: 12, "tests");
        var stale = await restore.RestoreAsync([], [], DateTimeOffset.UtcNow, read: 3, restoreTo: 20, "tests");

        Assert.Equal(new RestoredChanges(1, 0, 1, 0), written);
        Assert.Null(stale);
        Assert.Equal(12, await restore.ReadGenerationAsync());
        Assert.Equal(["held"], (await new ApiKeyStore(redis, keys: keys).ListAsync()).Select(k => k.Name));
        Assert.Equal(13, (long)await redis.GetDatabase().StringIncrementAsync(keys.Generation));
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task EveryKeyOfANamespace_OneSlotOnACluster(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var keys = RedisTargets.NewKeys();
        RedisKey[] all = [keys.ApiKeys, keys.ApiKeysAudit, keys.Routes, keys.RoutesAudit, keys.Generation, keys.Workers, keys.Worker("w-1"), keys.Key("x")];

        var slots = all.Select(k => redis.HashSlot(k)).Distinct().ToList();

        // A standalone server has no slots (-1 for every key); a cluster must put them all in one.
        Assert.Equal(target == RedisTargets.Cluster, slots[0] >= 0);
        Assert.Single(slots);
    }
}
