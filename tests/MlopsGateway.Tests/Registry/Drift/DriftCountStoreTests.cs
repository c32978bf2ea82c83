using MlopsGateway.Monitoring.Sketches;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Drift;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Tests.Sketches;

namespace MlopsGateway.Tests.Registry.Drift;

/// <summary>Drift counts in Redis on every server in <see cref="RedisTargets"/>, each test in a namespace of its own.</summary>
public class DriftCountStoreTests
{
    // A bucket boundary, so that a flush's middle is known to fall in the bucket it starts.
    private static readonly DateTimeOffset s_start = DateTimeOffset.FromUnixTimeSeconds(1_900_000_000);

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task AddAsync_TwoWorkersOverHalvesOfTheRows_ReadEqualsOneWorkerOverAll(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var store = new DriftCountStore(redis, RedisTargets.NewKeys());
        var profile = TestBaselines.Classifier();
        var rows = TestBaselines.ClassifierRows(400, seed: 11);
        var labels = TestBaselines.Labels(400, seed: 12);
        VersionSketch one = new(profile), first = new(profile), second = new(profile);
        for (var start = 0; start < 400; start += 40)
        {
            var batch = rows.AsSpan(start * 3, 120);
            var predictions = BatchPredictions.FromLabels(labels.AsSpan(start, 40));
            one.Update(batch, 40, predictions);
            (start % 80 == 0 ? first : second).Update(batch, 40, predictions);
        }

        // Each "worker" flushes twice, in two buckets, as flushes every few seconds would.
        var span = TimeSpan.FromSeconds(5);
        await store.AddAsync([first.Take(s_start, s_start + span)]);
        await store.AddAsync([second.Take(s_start, s_start + span)]);
        await store.AddAsync([first.Take(s_start.AddSeconds(10), s_start.AddSeconds(15)), second.Take(s_start.AddSeconds(10), s_start.AddSeconds(15))]);
        var read = await store.ReadAsync("m", "1", s_start, s_start.AddMinutes(1), profile);

        TestBaselines.AssertSameCounts(one.Take(s_start, s_start + span), read);
        Assert.Equal(400, read.Rows);
        Assert.Equal((s_start, s_start.AddMinutes(1)), (read.From, read.To));
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task ReadAsync_Window_SumsOnlyTheBucketsStartingInIt_KeptTwoDays(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var keys = RedisTargets.NewKeys();
        var store = new DriftCountStore(redis, keys);
        var profile = TestBaselines.Classifier();
        var sketch = new VersionSketch(profile);
        for (var bucket = 0; bucket < 4; bucket++)
        {
            sketch.Update(TestBaselines.ClassifierRows(bucket + 1, seed: bucket), bucket + 1, BatchPredictions.None);
            var from = s_start.AddSeconds(10 * bucket);
            await store.AddAsync([sketch.Take(from, from.AddSeconds(10))]);
        }

        var middle = await store.ReadAsync("m", "1", s_start.AddSeconds(10), s_start.AddSeconds(30), profile);
        var unaligned = await store.ReadAsync("m", "1", s_start.AddSeconds(5), s_start.AddSeconds(31), profile);
        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(keys.Drift.Counts("m", "1", s_start.ToUnixTimeSeconds()));

        Assert.Equal(2 + 3, middle.Rows);
        Assert.Equal(2 + 3 + 4, unaligned.Rows);
        Assert.InRange(ttl!.Value, TimeSpan.FromDays(2) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(2));
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task ReadAsync_FieldsThatAreNotCountsOfTheProfile_SkippedWithFaults(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var keys = RedisTargets.NewKeys();
        var store = new DriftCountStore(redis, keys);
        var profile = TestBaselines.Classifier();
        var key = keys.Drift.Counts("m", "1", s_start.ToUnixTimeSeconds());
        await redis.GetDatabase().HashSetAsync(key,
        [
            new("rows", 7), new("f0:1", 7), new("m2", 1), new("p:1", 7),
            new("f0:2", "many"), new("f0:4", 1), new("f3:0", 1), new("p:9", 1), new("m-1", 1), new("other", 1), new("f1:0", -3),
        ]);
        List<RecordFault> faults = [];

        var read = await store.ReadAsync("m", "1", s_start, s_start.AddSeconds(10), profile, faults);

        Assert.Equal(7, read.Rows);
        Assert.Equal([0, 7, 0, 0], read.Features[0]);
        Assert.Equal([0, 0, 0, 0], read.Features[1]);
        Assert.Equal([0, 0, 1], read.Missing);
        Assert.Equal([0, 7, 0], read.Prediction!);
        Assert.Equal(["f0:2", "f0:4", "f1:0", "f3:0", "m-1", "other", "p:9"], faults.Select(f => f.Key[(key.Length + " field ".Length)..]).Order(StringComparer.Ordinal));
        Assert.Contains(faults, f => f.Key.EndsWith("f0:2", StringComparison.Ordinal) && f.Fault.Contains("not a count", StringComparison.Ordinal));
    }

    [Fact]
    public void BucketStart_IsTheTenSecondBoundaryAtOrBefore()
    {
        Assert.Equal(1_900_000_000, DriftCountStore.BucketStart(s_start.AddSeconds(9.9)));
        Assert.Equal(1_900_000_010, DriftCountStore.BucketStart(s_start.AddSeconds(10)));
        Assert.Equal(-10, DriftCountStore.BucketStart(DateTimeOffset.FromUnixTimeSeconds(-1)));
    }
}
