using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Registry;

/// <summary>Against a Redis of their own: the fake workers written here must not reach other tests' gateways.</summary>
public class WorkerStoreTests(IsolatedRedisFixture isolated) : IClassFixture<IsolatedRedisFixture>
{
    private static WorkerRecord Record(string id, bool ready = true) =>
        new(id, "http://127.0.0.1:1", [new ServedVersion("m-" + id, "1"), new ServedVersion("m-" + id, "2")], ready, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

    [Fact]
    public async Task RegisterAsync_ThenList_RecordReturned()
    {
        await using var redis = await RedisConnector.ConnectAsync(isolated.Address);
        var store = new WorkerStore(redis);
        var record = Record("w-" + Guid.NewGuid().ToString("N")[..8]);

        await store.RegisterAsync(record, TimeSpan.FromSeconds(30));

        var listed = Assert.Single(await store.ListAsync(), w => w.Id == record.Id);
        Assert.True(listed.SameOffer(record));
        Assert.Equal(["1", "2"], WorkerStore.VersionsOf([listed], "m-" + record.Id));
    }

    [Fact]
    public async Task ListAsync_RecordExpired_DroppedFromTheSet()
    {
        await using var redis = await RedisConnector.ConnectAsync(isolated.Address);
        var store = new WorkerStore(redis);
        var record = Record("w-" + Guid.NewGuid().ToString("N")[..8]);
        await store.RegisterAsync(record, TimeSpan.FromSeconds(30));

        // Expiry as Redis would do it after the TTL, without waiting for it.
        await redis.GetDatabase().KeyDeleteAsync(RedisKeys.Default.Worker(record.Id));

        Assert.DoesNotContain(await store.ListAsync(), w => w.Id == record.Id);
        Assert.False(await redis.GetDatabase().SetContainsAsync(RedisKeys.Default.Workers, record.Id));
    }

    [Fact]
    public async Task RemoveAsync_Registered_GoneAndAnnounced()
    {
        await using var redis = await RedisConnector.ConnectAsync(isolated.Address);
        var store = new WorkerStore(redis);
        var record = Record("w-" + Guid.NewGuid().ToString("N")[..8]);
        await store.RegisterAsync(record, TimeSpan.FromSeconds(30));
        var announced = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisKeys.Default.WorkersChanged), (_, message) =>
        {
            if (message == "down:" + record.Id)
            {
                announced.TrySetResult(message!);
            }
        });

        await store.RemoveAsync(record.Id);

        Assert.DoesNotContain(await store.ListAsync(), w => w.Id == record.Id);
        await announced.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void VersionsOf_NotReady_Ignored()
    {
        Assert.Empty(WorkerStore.VersionsOf([Record("x", ready: false)], "m-x"));
    }

    [Fact]
    public async Task ReadAllAsync_RecordWrittenByHandWithoutAField_SkippedWithItsKeyAndKeptInTheSet()
    {
        await using var redis = await RedisConnector.ConnectAsync(isolated.Address);
        var store = new WorkerStore(redis);
        var good = Record("w-" + Guid.NewGuid().ToString("N")[..8]);
        await store.RegisterAsync(good, TimeSpan.FromSeconds(30));
        var bad = "w-bad-" + Guid.NewGuid().ToString("N")[..8];
        var db = redis.GetDatabase();
        await db.ExecuteAsync("SET", RedisKeys.Default.Worker(bad), $$"""{"id":"{{bad}}","models":[],"ready":true}""");
        await db.ExecuteAsync("SADD", RedisKeys.Default.Workers, bad);

        var read = await store.ReadAllAsync();

        Assert.Contains(read.Records, w => w.Id == good.Id);
        Assert.DoesNotContain(read.Records, w => w.Id == bad);
        Assert.Contains(new RecordFault(RedisKeys.Default.Worker(bad), "it has no address"), read.Faults);
        // Not taken for expired: an operator reading the log finds it where it was.
        Assert.True(await db.SetContainsAsync(RedisKeys.Default.Workers, bad));
        await db.KeyDeleteAsync(RedisKeys.Default.Worker(bad));
    }

    [Fact]
    public async Task ReadAllAsync_LoadFigures_RoundTrip_OlderRecordWithoutThemValid_NegativeQueueAFault()
    {
        await using var redis = await RedisConnector.ConnectAsync(isolated.Address);
        var store = new WorkerStore(redis);
        var busy = Record("w-" + Guid.NewGuid().ToString("N")[..8]) with { Load = [new VersionLoad("m", "1", 3, 12, 4.25, 8)] };
        await store.RegisterAsync(busy, TimeSpan.FromSeconds(30));
        var db = redis.GetDatabase();
        var older = "w-old-" + Guid.NewGuid().ToString("N")[..8];
        await db.ExecuteAsync("SET", RedisKeys.Default.Worker(older),
            $$"""{"id":"{{older}}","address":"http://old:1","models":[{"model":"m","version":"1"}],"ready":true,"started_at":"2026-01-01T00:00:00+00:00","heartbeat_at":"2026-01-01T00:00:00+00:00"}""");
        var bad = "w-bad-" + Guid.NewGuid().ToString("N")[..8];
        await db.ExecuteAsync("SET", RedisKeys.Default.Worker(bad),
            $$"""{"id":"{{bad}}","address":"http://bad:1","models":[{"model":"m","version":"1"}],"ready":true,"load":[{"model":"m","version":"1","queue_depth":-4,"batches":1,"mean_batch_size":1,"max_batch_size":1}]}""");
        await db.ExecuteAsync("SADD", RedisKeys.Default.Workers, older, bad);

        var read = await store.ReadAllAsync();

        Assert.Equal(busy.Load, read.Records.Single(w => w.Id == busy.Id).Load);
        Assert.Null(read.Records.Single(w => w.Id == older).Load);
        Assert.DoesNotContain(read.Records, w => w.Id == bad);
        Assert.Contains(new RecordFault(RedisKeys.Default.Worker(bad), "its load for m 1 has a negative queue_depth, batches or max_batch_size (-4, 1, 1)"), read.Faults);
        await db.KeyDeleteAsync([RedisKeys.Default.Worker(older), RedisKeys.Default.Worker(bad)]);
        await db.SetRemoveAsync(RedisKeys.Default.Workers, [older, bad]);
        await store.RemoveAsync(busy.Id);
    }
}
