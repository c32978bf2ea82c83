using MlopsGateway.Registry.Drift;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Registry.Drift;

public class CaptureStoreTests
{
    private static CapturedRow Row(float value) => new([value, float.NaN], 1);

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task Capture_AppendsPastTheLimit_KeepsTheFirstRowsThenClears(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var keys = RedisTargets.NewKeys();
        var store = new CaptureStore(redis, keys);
        await store.AppendAsync("m", "1", [Row(-1)], 10);

        await store.RequestAsync(new CaptureRequest("m", "1", 5, DateTimeOffset.UnixEpoch));
        var listed = await store.ListAsync();
        var afterThree = await store.AppendAsync("m", "1", [Row(0), Row(1), Row(2)], 5);
        var afterSix = await store.AppendAsync("m", "1", [Row(3), Row(4), Row(5)], 5);
        var rows = await store.ReadRowsAsync("m", "1", features: 2);
        await store.ClearAsync("m", "1");

        Assert.Equal(("m", "1", 5), (listed.Records[0].Model, listed.Records[0].Version, listed.Records[0].Rows));
        Assert.Equal((3, 5), (afterThree, afterSix));
        Assert.Equal([0f, 1, 2, 3, 4], rows.Records.Select(r => r.Features[0]));
        Assert.True(float.IsNaN(rows.Records[0].Features[1]));
        Assert.Empty((await store.ListAsync()).Records);
        Assert.Equal(0, await store.CountAsync("m", "1"));
    }

    [Fact]
    public async Task ListAsync_RequestsThatCannotBeUsed_SkippedWithFaults()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = RedisTargets.NewKeys();
        var store = new CaptureStore(redis, keys);
        await store.RequestAsync(new CaptureRequest("m", "1", 5, DateTimeOffset.UnixEpoch));
        await redis.GetDatabase().HashSetAsync(keys.Drift.Captures,
        [
            new("m:2", """{"model":"m","version":"2","rows":0,"requested_at":"2026-01-01T00:00:00Z"}"""),
            new("m:3", """{"model":"m","version":"4","rows":5,"requested_at":"2026-01-01T00:00:00Z"}"""),
            new("m:5", "{"),
        ]);
        await redis.GetDatabase().ListRightPushAsync(keys.Drift.CaptureRows("m", "1"), ["[1]", """{"features":[1],"prediction":null}""", """{"features":[1,2],"prediction":0}"""]);

        var listed = await store.ListAsync();
        var rows = await store.ReadRowsAsync("m", "1", features: 2);

        Assert.Equal(["1"], listed.Records.Select(r => r.Version));
        Assert.Equal(3, listed.Faults.Count);
        Assert.Contains(listed.Faults, f => f.Fault.Contains("asks for 0 rows", StringComparison.Ordinal));
        Assert.Single(rows.Records);
        Assert.Equal(2, rows.Faults.Count);
        await Assert.ThrowsAsync<ArgumentException>(() => store.RequestAsync(new CaptureRequest("m", "../x", 5, DateTimeOffset.UnixEpoch)));
    }
}
