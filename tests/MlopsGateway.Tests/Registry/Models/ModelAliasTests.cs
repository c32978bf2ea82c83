using MlopsGateway.Registry.Models;
using MlopsGateway.Tests.Infrastructure;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Registry.Models;

public class ModelAliasTests
{
    private static async Task<(ModelRegistry Registry, string Model)> TwoVersionsAsync(IConnectionMultiplexer redis)
    {
        var registry = new ModelRegistry(redis);
        var model = ModelRecords.NewModel();
        await registry.PushAsync(ModelRecords.Draft(model, "one"));
        await registry.PushAsync(ModelRecords.Draft(model, "two"));
        return (registry, model);
    }

    [Fact]
    public async Task SetAndRemoveAlias_EachMoveInTheHistoryNewestFirstAndAudited()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (registry, model) = await TwoVersionsAsync(redis);

        var created = await registry.SetAliasAsync(model, "@champion", "1", "alice");
        Assert.Equal("1", await registry.ResolveAliasAsync(model, "@champion"));
        var moved = await registry.SetAliasAsync(model, "champion", "2", "bob");
        Assert.Equal("2", await registry.ResolveAliasAsync(model, "champion"));
        var removed = await registry.RemoveAliasAsync(model, "@champion", "carol");

        Assert.Equal((null, "1"), (created!.From, created.To));
        Assert.Equal(("1", "2"), (moved!.From, moved.To));
        Assert.Equal(("2", null), (removed!.From, removed.To));
        Assert.Null(await registry.ResolveAliasAsync(model, "@champion"));
        Assert.Empty(await registry.AliasesAsync(model));
        var history = await registry.AliasHistoryAsync(model);
        Assert.Equal([("carol", "2", null), ("bob", "1", "2"), ("alice", null, "1")], history.Select(h => (h.By, h.From, h.To)));
        Assert.All(history, h => Assert.Equal("champion", h.Alias));
        var audit = (await registry.HistoryAsync(model)).Take(3).ToList();
        Assert.Equal([ModelChange.AliasRemoved, ModelChange.AliasSet, ModelChange.AliasSet], audit.Select(a => a.Action));
        Assert.Equal(["carol", "bob", "alice"], audit.Select(a => a.By));
        Assert.Equal("@champion 1 -> 2", audit[1].Detail);
    }

    [Fact]
    public async Task SetAliasAsync_WhereItPointsAlready_NothingRecorded()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (registry, model) = await TwoVersionsAsync(redis);
        await registry.SetAliasAsync(model, "champion", "1", "alice");

        Assert.Null(await registry.SetAliasAsync(model, "champion", "1", "bob"));
        Assert.Null(await registry.RemoveAliasAsync(model, "challenger", "bob"));

        Assert.Single(await registry.AliasHistoryAsync(model));
    }

    [Theory]
    [InlineData("champion", "9", "no version 9")]
    [InlineData("1st", "1", "must start with a letter")]
    [InlineData("champ/ion", "1", "only letters")]
    public async Task SetAliasAsync_BadAliasOrVersion_RefusedAndNothingRecorded(string alias, string version, string message)
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (registry, model) = await TwoVersionsAsync(redis);

        var ex = await Assert.ThrowsAsync<ModelRegistryException>(() => registry.SetAliasAsync(model, alias, version, "alice"));

        Assert.Contains(message, ex.Message);
        Assert.Empty(await registry.AliasesAsync(model));
        Assert.Empty(await registry.AliasHistoryAsync(model));
    }

    [Fact]
    public async Task SetAliasAsync_FailedVersion_Refused()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (registry, model) = await TwoVersionsAsync(redis);
        await registry.PushAsync(ModelRecords.Draft(model, "junk", status: ModelStatus.Failed, reason: "does not load"));

        var ex = await Assert.ThrowsAsync<ModelRegistryException>(() => registry.SetAliasAsync(model, "champion", "3", "alice"));

        Assert.Contains("FAILED", ex.Message);
    }
}
