using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Registry;

/// <summary>Two deployments on one Redis, each in a namespace of its own.</summary>
public class NamespaceTests
{
    private static WorkerRecord Worker(string id, string model) =>
        new(id, "http://127.0.0.1:1", [new ServedVersion(model, "1")], true, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task TwoNamespaces_OneRedis_NeitherSeesTheOthersKeysRoutesOrWorkers(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var (a, b) = (RedisTargets.NewKeys("a"), RedisTargets.NewKeys("b"));
        await new WorkerStore(redis, a).RegisterAsync(Worker("w-a", "m"), TimeSpan.FromSeconds(30));
        await new WorkerStore(redis, b).RegisterAsync(Worker("w-b", "m"), TimeSpan.FromSeconds(30));
        var (keyA, _) = await new ApiKeyStore(redis, keys: a).CreateAsync("key-a", []);
        await new RouteStore(redis, keys: a).ChangeAsync("m", (_, _) => new RouteRecord("", "1"), "tests");

        Assert.Equal([keyA.Id], (await new ApiKeyStore(redis, keys: a).ListAsync()).Select(k => k.Id));
        Assert.Empty(await new ApiKeyStore(redis, keys: b).ListAsync());
        Assert.Equal(["m"], (await new RouteStore(redis, keys: a).ListAsync()).Select(r => r.Model));
        Assert.Empty(await new RouteStore(redis, keys: b).ListAsync());
        Assert.Equal(["w-a"], (await new WorkerStore(redis, a).ListAsync()).Select(w => w.Id));
        Assert.Equal(["w-b"], (await new WorkerStore(redis, b).ListAsync()).Select(w => w.Id));
        Assert.Equal(2, await new RegistryRestore(redis, keys: a).ReadGenerationAsync());
        Assert.Equal(0, await new RegistryRestore(redis, keys: b).ReadGenerationAsync());
        // b revokes by the same name: a's key stays.
        Assert.Empty(await new ApiKeyStore(redis, keys: b).RevokeAsync("key-a"));
        Assert.Single(await new ApiKeyStore(redis, keys: a).ListAsync());
    }
}
