using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Registry;

public class ApiKeyStoreTests
{
    [Fact]
    public async Task CreateAsync_NewKey_StoresHashNeverSecret()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var store = new ApiKeyStore(redis);
        var name = "store-" + Guid.NewGuid().ToString("N");

        var (record, secret) = await store.CreateAsync(name, ["propensity"]);

        var stored = await redis.GetDatabase().HashGetAsync(RedisKeys.Default.ApiKeys, ApiKeyHasher.Hash(secret));
        Assert.False(stored.IsNullOrEmpty);
        Assert.DoesNotContain(secret, (string)stored!);
        Assert.Equal(record.Hash, ApiKeyHasher.Hash(secret));
        var listed = Assert.Single(await store.ListAsync(), r => r.Name == name);
        Assert.Equal(["propensity"], listed.Models);
        Assert.Equal(record.Id, listed.Id);
    }

    [Fact]
    public async Task CreateAsync_NoModels_AllowsEveryModel()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (record, _) = await new ApiKeyStore(redis).CreateAsync("all-" + Guid.NewGuid().ToString("N"), []);
        Assert.True(record.Allows("any-model"));
    }

    [Fact]
    public async Task CreateAsync_ShortGivenSecret_Throws()
    {
        await using var redis = await TestRedis.ConnectAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => new ApiKeyStore(redis).CreateAsync("short", [], "abc"));
    }

    [Fact]
    public async Task RevokeAsync_ByName_RemovesOnlyThatNameAndAnnounces()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var store = new ApiKeyStore(redis);
        var name = "revoke-" + Guid.NewGuid().ToString("N");
        var keep = "keep-" + Guid.NewGuid().ToString("N");
        var (revoked, _) = await store.CreateAsync(name, []);
        await store.CreateAsync(keep, []);
        var announced = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisKeys.Default.ApiKeysChanged), (_, message) =>
        {
            if (message == revoked.Id)
            {
                announced.TrySetResult(message!);
            }
        });

        var removed = await store.RevokeAsync(name);

        Assert.Equal(revoked.Id, Assert.Single(removed).Id);
        var remaining = await store.ListAsync();
        Assert.DoesNotContain(remaining, r => r.Name == name);
        Assert.Contains(remaining, r => r.Name == keep);
        Assert.Equal(revoked.Id, await announced.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task RevokeAsync_UnknownName_RemovesNothing()
    {
        await using var redis = await TestRedis.ConnectAsync();
        Assert.Empty(await new ApiKeyStore(redis).RevokeAsync("no-such-" + Guid.NewGuid().ToString("N")));
    }

    [Fact]
    public async Task CreateAsync_GivenSecretUnder32Characters_RefusedWithoutEchoingIt()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var store = new ApiKeyStore(redis);
        var shortSecret = new string('s', 31);

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => store.CreateAsync("short-" + Guid.NewGuid().ToString("N"), [], shortSecret));
        var (record, secret) = await store.CreateAsync("long-" + Guid.NewGuid().ToString("N"), [], new string('l', 32) + Guid.NewGuid().ToString("N"));

        Assert.StartsWith("An API key must be at least 32 characters long (the one given has 31)", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(shortSecret, ex.Message, StringComparison.Ordinal);
        Assert.Equal(ApiKeyHasher.Hash(secret), record.Hash);
    }

    [Fact]
    public async Task Changes_CreateUpdateRevoke_RecordedInTheAuditTrailWithoutTheSecret()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var store = new ApiKeyStore(redis);
        var name = "audited-" + Guid.NewGuid().ToString("N");

        var (record, secret) = await store.CreateAsync(name, ["propensity"], maxInFlight: 4, by: "alice");
        var updated = await store.UpdateQuotaAsync(record.Id, 5, 10, null, by: "bob");
        await store.RevokeAsync(record.Id);

        Assert.Equal((5.0, 10, (int?)null), (updated!.RatePerSecond, updated.Burst, updated.MaxInFlight));
        var mine = (await store.HistoryAsync(1000)).Where(c => c.KeyId == record.Id).ToArray();
        Assert.Equal([ApiKeyChange.Revoked, ApiKeyChange.QuotaChanged, ApiKeyChange.Created], mine.Select(c => c.Action));
        Assert.Equal([ApiKeyStore.DefaultActor, "bob", "alice"], mine.Select(c => c.By));
        Assert.All(mine, c => Assert.Equal(name, c.Name));
        Assert.Equal(4, mine[2].MaxInFlight);
        Assert.Equal((5.0, 10), (mine[1].RatePerSecond!.Value, mine[1].Burst!.Value));
        // Stored as it is read back, by whoever can read Redis: neither the secret nor its hash.
        var trail = string.Join("\n", (await redis.GetDatabase().ExecuteAsync("TYPE", RedisKeys.Default.ApiKeysAudit)).ToString() == "stream"
            ? (await redis.GetDatabase().StreamRangeAsync(RedisKeys.Default.ApiKeysAudit)).SelectMany(e => e.Values.Select(v => (string)v.Value!))
            : (await redis.GetDatabase().ListRangeAsync(RedisKeys.Default.ApiKeysAudit)).Select(v => (string)v!));
        Assert.Contains(record.Id, trail, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, trail, StringComparison.Ordinal);
        Assert.DoesNotContain(record.Hash, trail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateQuotaAsync_UnknownKeyOrBadLimit_NullOrRefused()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var store = new ApiKeyStore(redis);
        var (record, _) = await store.CreateAsync("limits-" + Guid.NewGuid().ToString("N"), []);

        Assert.Null(await store.UpdateQuotaAsync("no-such-" + Guid.NewGuid().ToString("N"), null, null, 1));
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => store.UpdateQuotaAsync(record.Id, null, null, 0));
        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateAsync("zero-" + Guid.NewGuid().ToString("N"), [], maxInFlight: 0));

        Assert.StartsWith("The limit of requests in flight must be at least 1, not 0.", ex.Message, StringComparison.Ordinal);
        await store.RevokeAsync(record.Id);
    }
}
