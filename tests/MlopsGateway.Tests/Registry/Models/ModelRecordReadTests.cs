using System.Text.Json;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Models;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Registry.Models;

public class ModelRecordReadTests
{
    [Fact]
    public async Task VersionsAsync_MalformedRecords_SkippedWithAFaultNamingTheirFieldAndTheOthersListed()
    {
        await using var redis = await TestRedis.ConnectAsync();
        // Its own namespace: the malformed records must not reach the gateways of other tests, which read the default one.
        var registry = new ModelRegistry(redis, keys: RedisTargets.NewKeys());
        var model = ModelRecords.NewModel();
        var good = (await registry.PushAsync(ModelRecords.Draft(model, "one"))).Record;
        var db = redis.GetDatabase();
        await db.HashSetAsync(registry.Keys.Versions(model), "2", "{not json");
        await db.HashSetAsync(registry.Keys.Versions(model), "3", JsonSerializer.Serialize(good with { Version = "3", Artifact = $"{model}/3/model.onnx", Sha256 = "ABC" }));
        await db.HashSetAsync(registry.Keys.Versions(model), "4", JsonSerializer.Serialize(good with { Version = "4", Artifact = "../../etc/passwd" }));

        var read = await registry.VersionsAsync(model);
        var listed = await registry.ListAsync();

        Assert.Equal(["1"], read.Records.Select(r => r.Version));
        Assert.Equal(
            [$"{registry.Keys.Versions(model)} field 2", $"{registry.Keys.Versions(model)} field 3", $"{registry.Keys.Versions(model)} field 4"],
            read.Faults.Select(f => f.Key).Order());
        Assert.Contains(read.Faults, f => f.Fault.Contains("sha256"));
        Assert.Contains(read.Faults, f => f.Fault.Contains("artifact"));
        Assert.Contains(listed.Records, r => r.Model == model && r.Version == "1");
        var ex = await Assert.ThrowsAsync<ModelRegistryException>(() => registry.GetAsync(model, "2"));
        Assert.Equal($"{registry.Keys.Versions(model)} field 2", ex.Fault!.Key);
        Assert.Contains("JSON at line 1", ex.Message);
    }

    [Fact]
    public async Task VersionRecord_StoredJson_UsesTheContractsNames()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var registry = new ModelRegistry(redis);
        var model = ModelRecords.NewModel();
        await registry.PushAsync(ModelRecords.Draft(model, "one"));

        var json = JsonDocument.Parse((string)(await redis.GetDatabase().HashGetAsync($"{{mlops}}:model:{model}:versions", "1"))!).RootElement;

        Assert.Equal("READY", json.GetProperty("status").GetString());
        Assert.Equal("FP32", json.GetProperty("signature").GetProperty("inputs")[0].GetProperty("datatype").GetString());
        Assert.Equal(-1, json.GetProperty("signature").GetProperty("inputs")[0].GetProperty("shape")[0].GetInt64());
        Assert.Equal("run-7", json.GetProperty("lineage").GetProperty("run_id").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("deprecation").ValueKind);
    }

    [Fact]
    public async Task CallersAsync_GatewayEntries_MostRecentFirstAndABadOneSkipped()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var registry = new ModelRegistry(redis);
        var model = ModelRecords.NewModel();
        var key = registry.Keys.Callers(model, "1");
        await redis.GetDatabase().HashSetAsync(key, [
            new("key-old", JsonSerializer.Serialize(new ModelCallerUse(5, 1_700_000_000_000))),
            new("key-new", """{"count":2,"lastSeen":1800000000000}"""),
            new("key-bad", """{"count":-1,"lastSeen":1}"""),
        ]);

        var read = await registry.CallersAsync(model, "1");

        Assert.Equal([("key-new", 2L), ("key-old", 5L)], read.Records.Select(c => (c.KeyId, c.Count)));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000), read.Records[0].LastSeen);
        Assert.Equal($"{key} field key-bad", Assert.Single(read.Faults).Key);
    }

    [Fact]
    public async Task Registry_TwoNamespaces_NeitherSeesTheOthersVersionsOrChanges()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = new RedisKeys("ns-" + Guid.NewGuid().ToString("N")[..8]);
        var other = new ModelRegistry(redis, keys: keys);
        var registry = new ModelRegistry(redis);
        var model = ModelRecords.NewModel();

        await other.PushAsync(ModelRecords.Draft(model, "one"));

        Assert.StartsWith("{" + keys.Namespace + "}:", other.Keys.Versions(model));
        Assert.NotNull(await other.GetAsync(model, "1"));
        Assert.Null(await registry.GetAsync(model, "1"));
        Assert.DoesNotContain(model, await registry.ModelsAsync());
        Assert.Empty(await registry.HistoryAsync(model));
        Assert.Single(await other.HistoryAsync(model));
    }
}
