using System.Text.Json;
using MlopsGateway.Monitoring.Baselines;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Models;
using MlopsGateway.Tests.Infrastructure;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Registry.Baselines;

public class BaselineStoreTests
{
    internal static BaselineProfile Profile(string model = "m", string version = "1") =>
        BaselineBuilder.Build(
            new BaselineSpec(model, version, "features", "training:train.csv", ["a", "b"]) { Categorical = ["b"], CreatedAt = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000) },
            [.. Enumerable.Range(0, 40).Select(i => new float[] { i * 0.5f, i % 3 })],
            BaselinePredictions.Classes([.. Enumerable.Range(0, 40).Select(i => i % 2)], ["no", "yes"]));

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task SetThenGet_OnEveryTarget_TheSameProfileUnderItsKeyAndTheModelAnnounced(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var keys = RedisTargets.NewKeys();
        var store = new BaselineStore(redis, keys);
        var profile = Profile();
        var announced = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(keys.Models.Changed), (_, message) => announced.TrySetResult(message!));

        Assert.Null(await store.GetAsync("m", "1"));
        await store.SetAsync(profile);
        var read = await store.GetAsync("m", "1");

        Assert.Equal($"{{{keys.Namespace}}}:model:m:baseline:1", store.Keys.Profile("m", "1"));
        Assert.Equal(JsonSerializer.Serialize(profile), JsonSerializer.Serialize(read));
        Assert.Null(await store.GetAsync("m", "2"));
        Assert.Equal("m", await announced.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData("counts", "counts length must equal edges + 1")]
    [InlineData("categories", "counts length must equal categories + 1")]
    [InlineData("edges", "edges that are not finite and strictly ascending (edges[1])")]
    [InlineData("rows", "its rows is 0, not at least 1")]
    [InlineData("duplicate", "feature name 'a' is not unique")]
    [InlineData("empty-name", "features[1] has no name")]
    [InlineData("prediction", "prediction profile is named 'label', not 'prediction'")]
    [InlineData("sample", "sample row 0 is not as wide as the features (2 values)")]
    [InlineData("model", "its model 'other' is not the one it is stored under ('m')")]
    [InlineData("sample-prediction-bin", "its sample row 1's prediction bin 7 is not one of the prediction's 3 bins")]
    [InlineData("sample-prediction-count", "its sample has 40 rows and 39 predictions")]
    public async Task GetAsync_InvalidRecord_RefusedWithAFaultNamingItsKeyAndField(string breakage, string expected)
    {
        await using var redis = await TestRedis.ConnectAsync();
        var store = new BaselineStore(redis, RedisTargets.NewKeys());
        var good = Profile();
        var numeric = good.Features[0];
        var categorical = good.Features[1];
        var bad = breakage switch
        {
            "counts" => good with { Features = [numeric with { Counts = [.. numeric.Counts.Skip(1)] }, categorical] },
            "categories" => good with { Features = [numeric, categorical with { Categories = [.. categorical.Categories, "7"] }] },
            "edges" => good with { Features = [numeric with { Edges = [5, 5, .. numeric.Edges.Skip(2)] }, categorical] },
            "rows" => good with { Rows = 0 },
            "duplicate" => good with { Features = [numeric, categorical with { Name = "a" }] },
            "empty-name" => good with { Features = [numeric, categorical with { Name = "" }] },
            "prediction" => good with { Prediction = good.Prediction! with { Name = "label" } },
            "sample" => good with { Sample = [[1f], .. good.Sample.Skip(1)] },
            "model" => good with { Model = "other" },
            "sample-prediction-bin" => good with { SamplePrediction = [good.SamplePrediction![0], 7, .. good.SamplePrediction.Skip(2)] },
            "sample-prediction-count" => good with { SamplePrediction = [.. good.SamplePrediction!.Skip(1)] },
            _ => throw new ArgumentOutOfRangeException(nameof(breakage)),
        };
        var key = store.Keys.Profile("m", "1");
        await redis.GetDatabase().StringSetAsync(key, JsonSerializer.Serialize(bad));

        var ex = await Assert.ThrowsAsync<ModelRegistryException>(() => store.GetAsync("m", "1"));
        // A profile of another model is valid on its own; stored, it goes under its own key.
        var refused = breakage == "model" ? null : await Assert.ThrowsAsync<ArgumentException>(() => store.SetAsync(bad));

        Assert.Equal(key, ex.Fault!.Key);
        Assert.Contains(expected, ex.Fault.Fault, StringComparison.Ordinal);
        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, refused?.Message ?? expected, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_NotJson_RefusedNamingWhereTheJsonBreaks()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var store = new BaselineStore(redis, RedisTargets.NewKeys());
        await redis.GetDatabase().StringSetAsync(store.Keys.Profile("m", "1"), "{\"model\":");

        var ex = await Assert.ThrowsAsync<ModelRegistryException>(() => store.GetAsync("m", "1"));

        Assert.Contains("JSON at line 1", ex.Fault!.Fault, StringComparison.Ordinal);
    }
}
