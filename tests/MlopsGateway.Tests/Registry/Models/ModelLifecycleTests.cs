using System.Text.Json;
using MlopsGateway.Registry.Models;
using MlopsGateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace MlopsGateway.Tests.Registry.Models;

public class ModelLifecycleTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task DeprecateAsync_ThenRetireAsync_RecordedAndAudited()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var time = new FakeTimeProvider(s_start);
        var registry = new ModelRegistry(redis, time: time);
        var model = ModelRecords.NewModel();
        await registry.PushAsync(ModelRecords.Draft(model, "one"));
        await registry.PushAsync(ModelRecords.Draft(model, "two"));
        var sunset = s_start.AddDays(30);

        var deprecated = await registry.DeprecateAsync(model, "1", sunset, "2", "v2 is calibrated", "alice");
        time.Advance(TimeSpan.FromDays(31));
        var retired = await registry.RetireAsync(model, "1", "bob");

        Assert.Equal(new ModelDeprecation(sunset, "2", "v2 is calibrated", "alice", s_start), deprecated.Deprecation);
        Assert.True(deprecated.IsServable);
        Assert.True(deprecated.IsPastSunset(time.GetUtcNow()));
        var stored = (await registry.GetAsync(model, "1"))!;
        Assert.Equal((s_start.AddDays(31), "bob"), (stored.RetiredAt, stored.RetiredBy));
        Assert.Equal(JsonSerializer.Serialize(retired), JsonSerializer.Serialize(stored));
        Assert.False(stored.IsServable);
        Assert.Equal(deprecated.Deprecation, stored.Deprecation);
        var audit = await registry.HistoryAsync(model);
        Assert.Equal([(ModelChange.Retired, "bob"), (ModelChange.Deprecated, "alice")], audit.Take(2).Select(a => (a.Action, a.By)));
        Assert.Equal("sunset 2026-12-31 09:00:00Z, replacement 2: v2 is calibrated", audit[1].Detail);
        Assert.Equal("bob", (await registry.RetireAsync(model, "1", "carol")).RetiredBy);
        Assert.Equal(4, (await registry.HistoryAsync(model)).Count);
    }

    [Theory]
    [InlineData("1", "itself")]
    [InlineData("9", "no version 9")]
    public async Task DeprecateAsync_ReplacementThatCannotServe_RefusedAndUnchanged(string replacement, string message)
    {
        await using var redis = await TestRedis.ConnectAsync();
        var registry = new ModelRegistry(redis);
        var model = ModelRecords.NewModel();
        await registry.PushAsync(ModelRecords.Draft(model, "one"));

        var ex = await Assert.ThrowsAsync<ModelRegistryException>(() => registry.DeprecateAsync(model, "1", s_start, replacement, null, "alice"));

        Assert.Contains(message, ex.Message);
        Assert.Null((await registry.GetAsync(model, "1"))!.Deprecation);
    }

    [Fact]
    public async Task RetireAsync_WhileAnAliasPointsAtIt_RefusedNamingTheAlias()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var registry = new ModelRegistry(redis);
        var model = ModelRecords.NewModel();
        await registry.PushAsync(ModelRecords.Draft(model, "one"));
        await registry.PushAsync(ModelRecords.Draft(model, "two"));
        await registry.SetAliasAsync(model, "champion", "1", "alice");

        var ex = await Assert.ThrowsAsync<ModelRegistryException>(() => registry.RetireAsync(model, "1", "bob"));
        Assert.Contains("@champion", ex.Message);
        Assert.False((await registry.GetAsync(model, "1"))!.IsRetired);

        await registry.SetAliasAsync(model, "champion", "2", "alice");
        await registry.RetireAsync(model, "1", "bob");
        var refused = await Assert.ThrowsAsync<ModelRegistryException>(() => registry.SetAliasAsync(model, "champion", "1", "alice"));
        Assert.Contains("retired", refused.Message);
        await Assert.ThrowsAsync<ModelRegistryException>(() => registry.DeprecateAsync(model, "1", s_start, null, null, "alice"));
    }
}
