using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Telemetry;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Telemetry;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Gateway.Telemetry;

/// <summary>The flush against a real redis-server that goes away and comes back.</summary>
public class TelemetryFlushTests
{
    private static readonly DateTimeOffset s_from = DateTimeOffset.FromUnixTimeSeconds(1_900_000_000);

    [Fact]
    public async Task FlushAsync_RedisAway_KeepsTheCountsAndAddsThemOnceWhenItIsBack()
    {
        await using var server = await RedisProcess.StartAsync();
        await using var redis = await RedisConnector.ConnectAsync(server.Address + ",connectTimeout=500,syncTimeout=1000,asyncTimeout=1000");
        var keys = RedisTargets.NewKeys();
        var store = new TelemetryStore(redis, keys);
        var telemetry = new CallTelemetry();
        var logs = new LogCollector();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        using var flush = new TelemetryFlush(telemetry, store, Options.Create(new GatewayOptions()), TimeProvider.System, factory.CreateLogger<TelemetryFlush>());
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);

        telemetry.Answered("m", "1", 0, TimeSpan.FromMilliseconds(2));
        Assert.True(await flush.FlushAsync());
        await server.StopAsync();
        for (var i = 0; i < 3; i++)
        {
            telemetry.Answered("m", "1", 0, TimeSpan.FromMilliseconds(2));
            telemetry.Answered("m", "1", 13, TimeSpan.FromMilliseconds(2));
            Assert.False(await flush.FlushAsync());
        }
        Assert.InRange(flush.Pending, 1, 2);
        await server.StartAgainAsync();
        await Wait.UntilAsync(() => redis.IsConnected);
        Assert.True(await flush.FlushAsync());

        var read = await store.ReadAsync("m", "1", start, DateTimeOffset.UtcNow.AddSeconds(10));
        // The call flushed before the stop (Redis saved it) and the six made while it was away, each added once.
        Assert.Equal((4L, 3L), (read.Ok, read.Errors["INTERNAL"]));
        Assert.Equal(0, flush.Pending);
        Assert.Single(logs.Entries, e => e.Event.Name == "TelemetryFlushFailed" && e.Level == LogLevel.Warning);
        Assert.Single(logs.Entries, e => e.Event.Name == "TelemetryFlushRecovered");
    }

    [Fact]
    public void Pending_MergedPerVersionAndBucket_OldestDroppedBeyondTheBound()
    {
        var pending = new PendingTelemetry(maxBuckets: 2);
        VersionTelemetry Calls(int second, long ok) => TelemetryStore.Empty("m", "1", s_from.AddSeconds(second), s_from.AddSeconds(second + 5)) with { Ok = ok };

        pending.Add([Calls(0, 1), Calls(5, 2), Calls(10, 4)]);
        Assert.Equal(2, pending.Count);
        Assert.Equal(3, pending.All.Single(t => t.From == s_from).Ok);
        pending.Add([Calls(20, 8)]);
        var dropped = pending.Trim();

        Assert.Equal((3L, 0L, 1), dropped);
        Assert.Equal([4L, 8L], pending.All.OrderBy(t => t.From).Select(t => t.Ok));
    }
}
