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

        var stored = await redis.GetDatabase().HashGetAsync(RedisKeys.ApiKeys, ApiKeyHasher.Hash(secret));
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
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisKeys.ApiKeysChanged), (_, message) =>
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
}
