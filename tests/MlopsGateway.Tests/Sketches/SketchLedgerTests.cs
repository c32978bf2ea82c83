using Microsoft.Extensions.Logging;
using MlopsGateway.Monitoring.Sketches;
using MlopsGateway.Registry.Drift;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker.Sketching;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Sketches;

public class SketchLedgerTests
{
    private static readonly DateTimeOffset s_start = DateTimeOffset.FromUnixTimeSeconds(1_900_000_000);

    [Fact]
    public async Task WriteAsync_RedisAway_CountsKeptLoggedOnceAndWrittenWhenBack()
    {
        await using var redis = await TestRedis.ConnectAsync();
        // Nothing listens on port 1: every command fails at once, as with Redis down.
        await using var away = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:1,abortConnect=false,connectTimeout=100");
        var keys = RedisTargets.NewKeys("sk");
        using var logs = new LogCollector();
        using var metrics = new SketchMetrics();
        var ledger = new SketchLedger(maxPending: 10, metrics, logs.CreateLogger("ledger"));
        var sketch = new VersionSketch(TestBaselines.Classifier());
        ledger.Start(sketch, s_start);

        for (var flush = 1; flush <= 3; flush++)
        {
            sketch.Update(TestBaselines.ClassifierRows(10, seed: flush), 10, BatchPredictions.None);
            ledger.Take(sketch, s_start.AddSeconds(5 * flush));
            await ledger.WriteAsync(new DriftCountStore(away, keys));
        }
        var unreachable = ledger.Reachable;
        await ledger.WriteAsync(new DriftCountStore(redis, keys));
        var read = await new DriftCountStore(redis, keys).ReadAsync("m", "1", s_start, s_start.AddMinutes(1), TestBaselines.Classifier());

        Assert.False(unreachable);
        Assert.True(ledger.Reachable);
        Assert.Equal(30, read.Rows);
        Assert.Single(logs.Entries, e => e.Event.Name == "SketchRedisUnavailable");
        Assert.Single(logs.Entries, e => e.Event.Name == "SketchRedisBack" && e.Message.Contains("3 held flushes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Take_MorePendingThanTheBound_OldestDroppedAndLogged()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = RedisTargets.NewKeys("sk");
        using var logs = new LogCollector();
        using var metrics = new SketchMetrics();
        var ledger = new SketchLedger(maxPending: 2, metrics, logs.CreateLogger("ledger"));
        var sketch = new VersionSketch(TestBaselines.Classifier());
        ledger.Start(sketch, s_start);

        for (var flush = 1; flush <= 3; flush++)
        {
            sketch.Update(TestBaselines.ClassifierRows(flush, seed: flush), flush, BatchPredictions.None);
            ledger.Take(sketch, s_start.AddSeconds(5 * flush));
        }
        await ledger.WriteAsync(new DriftCountStore(redis, keys));
        var read = await new DriftCountStore(redis, keys).ReadAsync("m", "1", s_start, s_start.AddMinutes(1), TestBaselines.Classifier());

        Assert.Equal(2 + 3, read.Rows);
        Assert.Single(logs.Entries, e => e.Event.Name == "SketchCountsDropped" && e.Message.Contains("1 rows", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error);
    }
}
