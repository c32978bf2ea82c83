using MlopsGateway.Registry;
using MlopsGateway.Registry.Telemetry;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Registry.Telemetry;

/// <summary>Call telemetry in Redis on every server in <see cref="RedisTargets"/>, each test in a namespace of its own.</summary>
public class TelemetryStoreTests
{
    // A bucket boundary.
    private static readonly DateTimeOffset s_start = DateTimeOffset.FromUnixTimeSeconds(1_900_000_000);

    internal static VersionTelemetry Calls(string version, DateTimeOffset from, long ok, long unavailable = 0, long shadowRows = 0, long differing = 0, int latencyBin = 10)
    {
        var latency = new long[VersionTelemetry.LatencyEntries];
        latency[latencyBin] = ok;
        var errors = new Dictionary<string, long>(StringComparer.Ordinal);
        if (unavailable > 0)
        {
            errors["UNAVAILABLE"] = unavailable;
        }
        return new VersionTelemetry("m", version, from, from.AddSeconds(5), ok, errors, latency, shadowRows, differing);
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task FlushAsync_TwoGateways_ReadMergesTheirCountsPerVersion(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var keys = RedisTargets.NewKeys();
        var store = new TelemetryStore(redis, keys);

        // Gateway A flushes twice into the first bucket and once into the second; gateway B once into each.
        await store.FlushAsync([Calls("1", s_start, ok: 10, unavailable: 1, latencyBin: 3), Calls("2", s_start, ok: 4, shadowRows: 9, differing: 2)]);
        await store.FlushAsync([Calls("1", s_start.AddSeconds(5), ok: 5, latencyBin: 4)]);
        await store.FlushAsync([Calls("1", s_start.AddSeconds(10), ok: 7, unavailable: 2, latencyBin: 36)]);
        await store.FlushAsync([Calls("1", s_start.AddSeconds(2), ok: 1, latencyBin: 3), Calls("1", s_start.AddSeconds(12), ok: 0, unavailable: 1)]);

        var one = await store.ReadAsync("m", "1", s_start, s_start.AddSeconds(20));
        var two = await store.ReadAsync("m", "2", s_start, s_start.AddSeconds(20));
        var series = await store.ReadSeriesAsync("m", "1", s_start, s_start.AddSeconds(30));

        Assert.Equal(23, one.Ok);
        Assert.Equal(4, one.Errors["UNAVAILABLE"]);
        Assert.Equal(27, one.Requests);
        Assert.Equal(11, one.Latency[3]);
        Assert.Equal(5, one.Latency[4]);
        Assert.Equal(7, one.Latency[36]);
        Assert.Equal((s_start, s_start.AddSeconds(20)), (one.From, one.To));
        Assert.Equal((4L, 9L, 2L), (two.Ok, two.ShadowRows, two.ShadowRowsDiffering));
        Assert.Equal([16L, 7L, 0L], series.Select(b => b.Ok));
        Assert.Equal([1L, 3L, 0L], series.Select(b => b.Failed));
        Assert.Equal([s_start, s_start.AddSeconds(10), s_start.AddSeconds(20)], series.Select(b => b.From));
        Assert.All(series, b => Assert.Equal(TelemetryStore.BucketLength, b.To - b.From));
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task ReadAsync_Window_OnlyBucketsStartingInIt_KeptAtLeastTwoHours(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var keys = RedisTargets.NewKeys();
        var store = new TelemetryStore(redis, keys);
        for (var bucket = 0; bucket < 4; bucket++)
        {
            await store.FlushAsync([Calls("1", s_start.AddSeconds(10 * bucket), ok: bucket + 1)]);
        }

        var middle = await store.ReadAsync("m", "1", s_start.AddSeconds(10), s_start.AddSeconds(30));
        var unaligned = await store.ReadAsync("m", "1", s_start.AddSeconds(0.5), s_start.AddSeconds(30.5));
        var none = await store.ReadAsync("m", "1", s_start.AddSeconds(41), s_start.AddSeconds(41));
        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(keys.Telemetry.Calls("m", "1", s_start.ToUnixTimeSeconds()));

        Assert.Equal(2 + 3, middle.Ok);
        Assert.Equal(2 + 3 + 4, unaligned.Ok);
        Assert.Equal(0, none.Requests);
        Assert.Equal(VersionTelemetry.LatencyEntries, none.Latency.Length);
        Assert.InRange(ttl!.Value, TimeSpan.FromHours(2), TelemetryStore.TimeToLive);
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task ReadAsync_FieldsThatAreNotTelemetryCounts_SkippedWithFaults(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var keys = RedisTargets.NewKeys();
        var store = new TelemetryStore(redis, keys);
        var key = keys.Telemetry.Calls("m", "1", s_start.ToUnixTimeSeconds());
        await redis.GetDatabase().HashSetAsync(key,
        [
            new("ok", 7), new("e:INTERNAL", 2), new("l5", 7),
            new("e:OK", 1), new("e:Unavailable", 1), new("l37", 1), new("l-1", 1), new("ok2", 1), new("l6", "many"), new("e:ABORTED", -4),
        ]);
        var second = keys.Telemetry.Calls("m", "1", s_start.ToUnixTimeSeconds() + 10);
        await redis.GetDatabase().HashSetAsync(second, [new("sr", 3), new("sd", 5)]);
        List<RecordFault> faults = [];
        store.Fault += faults.Add;

        var read = await store.ReadAsync("m", "1", s_start, s_start.AddSeconds(20));

        Assert.Equal(7, read.Ok);
        Assert.Equal(new Dictionary<string, long> { ["INTERNAL"] = 2 }, read.Errors);
        Assert.Equal(7, read.Latency[5]);
        Assert.Equal(7, read.Latency.Sum());
        Assert.Equal((0L, 0L), (read.ShadowRows, read.ShadowRowsDiffering));
        Assert.Equal(["e:ABORTED", "e:OK", "e:Unavailable", "l-1", "l37", "l6", "ok2"],
            faults.Where(f => f.Key.StartsWith(key + " ", StringComparison.Ordinal)).Select(f => f.Key[(key.Length + " field ".Length)..]).Order(StringComparer.Ordinal));
        Assert.Contains(faults, f => f.Key == $"{second} field sd" && f.Fault.Contains("5 differing rows of only 3", StringComparison.Ordinal));
        Assert.Contains(faults, f => f.Key.EndsWith("l6", StringComparison.Ordinal) && f.Fault.Contains("not a count", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FlushAsync_StatusThatIsNotAGrpcErrorName_Refused()
    {
        await using var redis = await RedisTargets.ConnectAsync(RedisTargets.Garnet);
        var store = new TelemetryStore(redis, RedisTargets.NewKeys());
        var bad = Calls("1", s_start, ok: 1) with { Errors = new Dictionary<string, long> { ["Unavailable"] = 1 } };

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => store.FlushAsync([bad]));

        Assert.Contains("'Unavailable' is not the name of a gRPC error status", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadSeriesAsync_MoreThanADay_Refused()
    {
        await using var redis = await RedisTargets.ConnectAsync(RedisTargets.Garnet);
        var store = new TelemetryStore(redis, RedisTargets.NewKeys());

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => store.ReadSeriesAsync("m", "1", s_start, s_start.AddDays(2)));

        Assert.Contains("at most 8640", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LatencyEntries_AreMonitoringsBucketsPlusTheOverflow() =>
        Assert.Equal(VersionTelemetry.LatencyEntries, MlopsGateway.Monitoring.LatencyBuckets.Seconds.Count + 1);
}
