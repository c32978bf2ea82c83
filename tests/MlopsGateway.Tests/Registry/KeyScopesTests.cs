using System.Text.Json.Nodes;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Registry;

/// <summary>Key scopes: stored with the key, infer for a record without them, unknown names refused at create and faulted when read.</summary>
public sealed class KeyScopesTests
{
    [Fact]
    public async Task CreateAsync_Scopes_StoredInKnownOrderAndListed()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = NewNamespace();
        var store = new ApiKeyStore(redis, keys: keys);

        var (record, _) = await store.CreateAsync("scoped", [], scopes: ["feedback", "infer"]);

        var listed = Assert.Single(await store.ListAsync(), r => r.Id == record.Id);
        Assert.Equal(["infer", "feedback"], listed.Scopes);
        Assert.Equal(KeyScopes.Feedback, Assert.Single(await store.HistoryAsync()).Scopes![1]);
    }

    [Fact]
    public async Task CreateAsync_NoScopes_InferOnly()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = NewNamespace();

        var (record, _) = await new ApiKeyStore(redis, keys: keys).CreateAsync("default-scopes", []);

        Assert.Equal(["infer"], record.EffectiveScopes);
        Assert.True(KeyScopes.Grants(record.Scopes, KeyScopes.Infer));
        Assert.False(KeyScopes.Grants(record.Scopes, KeyScopes.Feedback));
    }

    [Fact]
    public async Task CreateAsync_UnknownScope_RefusedNamingTheKnownOnes()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = NewNamespace();

        var refusal = await Assert.ThrowsAsync<ArgumentException>(() => new ApiKeyStore(redis, keys: keys).CreateAsync("bad", [], scopes: ["infer", "root"]));

        Assert.StartsWith("The key's scopes are refused: 'root' is not a scope; the scopes are infer, feedback, console, admin.", refusal.Message, StringComparison.Ordinal);
    }

    private static RedisKeys NewNamespace() => new("scopes-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public void Grants_Admin_ImpliesEveryScope()
    {
        Assert.All(KeyScopes.Known, scope => Assert.True(KeyScopes.Grants(["admin"], scope)));
        Assert.False(KeyScopes.Grants(["console"], KeyScopes.Infer));
    }

    [Fact]
    public async Task ReadAllAsync_StoredWithoutScopes_InferAndWithAnUnknownOne_Faulted()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = NewNamespace();
        var store = new ApiKeyStore(redis, keys: keys);
        var (old, _) = await store.CreateAsync("before-scopes", []);
        var (planted, _) = await store.CreateAsync("planted", []);
        var db = redis.GetDatabase();
        // As a version before scopes wrote it: no field at all.
        var oldJson = JsonNode.Parse((string)(await db.HashGetAsync(keys.ApiKeys, old.Hash))!)!.AsObject();
        oldJson.Remove("scopes");
        await db.HashSetAsync(keys.ApiKeys, old.Hash, oldJson.ToJsonString());
        var plantedJson = JsonNode.Parse((string)(await db.HashGetAsync(keys.ApiKeys, planted.Hash))!)!.AsObject();
        plantedJson["scopes"] = new JsonArray("infer", "superuser");
        await db.HashSetAsync(keys.ApiKeys, planted.Hash, plantedJson.ToJsonString());

        var read = await store.ReadAllAsync();

        var kept = Assert.Single(read.Records);
        Assert.Equal((old.Id, (IReadOnlyList<string>?)null), (kept.Id, kept.Scopes));
        Assert.Equal(["infer"], kept.EffectiveScopes);
        var fault = Assert.Single(read.Faults);
        Assert.Equal($"key {planted.Id} has scopes this gateway cannot grant: 'superuser' is not a scope; the scopes are infer, feedback, console, admin", fault.Fault);
    }
}
