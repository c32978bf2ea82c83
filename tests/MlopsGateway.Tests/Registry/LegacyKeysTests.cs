using System.Text.Json;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Registry;

/// <summary>The one-time copy of the keys of versions before namespaces; each test has a redis-server of its own, as those keys are the default namespace's.</summary>
public class LegacyKeysTests
{
    [Fact]
    public async Task CopyAsync_OldKeysOnly_CopiedOnceIntoTheDefaultNamespaceAndLeftInPlace()
    {
        await using var server = await RedisProcess.StartAsync();
        await using var redis = await RedisConnector.ConnectAsync(server.Address);
        var db = redis.GetDatabase();
        var key = new ApiKeyRecord("k1", "old", ApiKeyHasher.Hash("old-secret-0123456789abcdef0123456789"), ["*"], DateTimeOffset.UnixEpoch);
        await db.HashSetAsync("mlops:keys", key.Hash, JsonSerializer.Serialize(key));
        await db.HashSetAsync("mlops:routes", "m", JsonSerializer.Serialize(new RouteRecord("m", "1", Canary: "2", CanaryWeight: 10)));
        await db.StringSetAsync("mlops:generation", 7);
        await db.StreamAddAsync("mlops:routes:audit", "change", """{"model":"m","by":"old"}""");

        var copied = await LegacyKeys.CopyAsync(redis, RedisKeys.Default);

        Assert.Equal(new LegacyCopy(1, 1, true, 1), copied);
        Assert.Equal(["old"], (await new ApiKeyStore(redis).ListAsync()).Select(k => k.Name));
        var route = Assert.Single(await new RouteStore(redis).ListAsync());
        Assert.Equal(("2", 10.0), (route.Canary, route.CanaryWeight));
        Assert.Equal(7, await new RegistryRestore(redis).ReadGenerationAsync());
        Assert.Equal(["old"], (await new RouteStore(redis).HistoryAsync("m")).Select(c => c.By));
        Assert.True(await db.KeyExistsAsync("mlops:keys"));
        // Once: the new keys now exist, and a change made since is not overwritten.
        await new ApiKeyStore(redis).RevokeAsync("old");
        Assert.Null(await LegacyKeys.CopyAsync(redis, RedisKeys.Default));
        Assert.Empty(await new ApiKeyStore(redis).ListAsync());
    }

    [Fact]
    public async Task CopyAsync_AnotherNamespaceOrNoOldKeys_CopiesNothing()
    {
        await using var server = await RedisProcess.StartAsync();
        await using var redis = await RedisConnector.ConnectAsync(server.Address);
        Assert.Null(await LegacyKeys.CopyAsync(redis, RedisKeys.Default));

        await redis.GetDatabase().HashSetAsync("mlops:routes", "m", JsonSerializer.Serialize(new RouteRecord("m", "1")));
        var other = new RedisKeys("other");

        Assert.Null(await LegacyKeys.CopyAsync(redis, other));
        Assert.Empty(await new RouteStore(redis, keys: other).ListAsync());
    }
}
