using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Tests.Functional;

/// <summary>
/// Malformed records written by hand (raw Redis commands) into the Redis a real gateway reads: each
/// is logged once, naming its key and fault, and skipped; good keys keep working; the host keeps running.
/// A Redis of the class's own: other tests' gateways must not read these records.
/// </summary>
public sealed class SnapshotRobustnessFunctionalTests(IsolatedRedisFixture isolated) : FunctionalTest, IClassFixture<IsolatedRedisFixture>
{
    [Fact]
    public async Task Reload_MalformedRecords_EachLoggedOnceAndSkippedWhileGoodKeysServe()
    {
        var logs = NewLogs();
        var repository = TestModels.NewRepository();
        await using var redis = await RedisConnector.ConnectAsync(isolated.Address);
        var good = (await new ApiKeyStore(redis).CreateAsync("good-" + Guid.NewGuid().ToString("N")[..6], [])).Secret;
        await using var worker = StackFixture.StartWorker(repository, redis, logs);
        await worker.StartAsync();
        await using var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis, o => o.WorkerSecret = TestSecrets.Worker, logs.Configure);
        await gateway.StartAsync();
        await StackFixture.WaitForDestinationAsync(gateway, ServerEndpoints.GrpcAddress(worker));
        ExpectLogs(e => e.Event.Name == "RecordSkipped", logs);

        var db = redis.GetDatabase();
        var missingHash = new string('a', 64);
        await db.ExecuteAsync("HSET", RedisKeys.Default.ApiKeys, missingHash, """{"id":"k-nohash","name":"x","models":["*"]}""");
        await db.ExecuteAsync("HSET", RedisKeys.Default.ApiKeys, "not-json", "{not json");
        await db.ExecuteAsync("HSET", RedisKeys.Default.Routes, "propensity", """{"model":"propensity"}""");
        await db.ExecuteAsync("SET", RedisKeys.Default.Worker("w-creds"),
            """{"id":"w-creds","address":"http://admin:hunter2@127.0.0.1:1","models":[{"model":"propensity","version":"9"}],"ready":true}""");
        await db.ExecuteAsync("SET", RedisKeys.Default.Worker("w-nomodels"), """{"id":"w-nomodels","address":"ftp://127.0.0.1:2","ready":true}""");
        await db.ExecuteAsync("SADD", RedisKeys.Default.Workers, "w-creds", "w-nomodels");
        await db.ExecuteAsync("PUBLISH", RedisKeys.Default.ApiKeysChanged, "by-hand");

        // Through the gateway's own loop (pub/sub), then twice more by hand: each fault is logged once.
        await Wait.UntilAsync(() => Skipped(logs).Count() >= 5);
        var snapshots = gateway.Services.GetRequiredService<SnapshotCache>();
        Assert.True(await snapshots.ReloadAsync());
        Assert.True(await snapshots.ReloadAsync());

        var skipped = Skipped(logs).ToArray();
        Assert.Equal(5, skipped.Length);
        Assert.Single(skipped, m => m.Contains($"{RedisKeys.Default.ApiKeys} field aaaaaaaaaaaa…", StringComparison.Ordinal) && m.Contains("key k-nohash has no hash", StringComparison.Ordinal));
        Assert.Single(skipped, m => m.Contains($"{RedisKeys.Default.ApiKeys} field not-json", StringComparison.Ordinal) && m.Contains("not a readable record", StringComparison.Ordinal));
        Assert.Single(skipped, m => m.Contains($"{RedisKeys.Default.Routes} field propensity", StringComparison.Ordinal) && m.Contains("needs a stable version", StringComparison.Ordinal));
        Assert.Single(skipped, m => m.Contains(RedisKeys.Default.Worker("w-creds"), StringComparison.Ordinal) && m.Contains("user info", StringComparison.Ordinal));
        Assert.Single(skipped, m => m.Contains(RedisKeys.Default.Worker("w-nomodels"), StringComparison.Ordinal) && m.Contains("not an http:// or https:// URL", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("hunter2", StringComparison.Ordinal));

        // The good key still calls the real worker; the bad records are in no snapshot; the host runs on.
        var answer = await StackFixture.Client(ServerEndpoints.GrpcAddress(gateway))
            .ModelInferAsync(TestRequests.Propensity(SampleModels.Propensity, [TestRequests.Row]), StackFixture.WithKey(good));
        Assert.Equal(SampleModels.Propensity, answer.ModelName);
        Assert.DoesNotContain(snapshots.Current.Workers, w => w.Id is "w-creds" or "w-nomodels");
        Assert.Empty(snapshots.Current.Routes);
        Assert.Equal(1, snapshots.Current.Keys.Count);
        Assert.False(gateway.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);

        // Fixed, then broken again: logged again, once.
        await db.ExecuteAsync("HDEL", RedisKeys.Default.Routes, "propensity");
        Assert.True(await snapshots.ReloadAsync());
        await db.ExecuteAsync("HSET", RedisKeys.Default.Routes, "propensity", """{"model":"propensity"}""");
        Assert.True(await snapshots.ReloadAsync());
        Assert.True(await snapshots.ReloadAsync());
        Assert.Equal(2, Skipped(logs).Count(m => m.Contains($"{RedisKeys.Default.Routes} field propensity", StringComparison.Ordinal)));

        await db.ExecuteAsync("DEL", RedisKeys.Default.Routes, RedisKeys.Default.Worker("w-creds"), RedisKeys.Default.Worker("w-nomodels"));
        await db.ExecuteAsync("HDEL", RedisKeys.Default.ApiKeys, missingHash, "not-json");
        await gateway.StopAsync();
        await worker.StopAsync();
    }

    private static IEnumerable<string> Skipped(LogCollector logs) =>
        logs.Entries.Where(e => e.Event.Name == "RecordSkipped").Select(e => e.Message);
}
