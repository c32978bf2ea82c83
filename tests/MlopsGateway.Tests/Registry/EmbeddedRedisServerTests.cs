using MlopsGateway.Registry;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Registry;

/// <summary>
/// The embedded Garnet server keeps what it was given when more is written than its log holds in
/// memory (64 MB): under load in <c>up</c> it used to drop the oldest records, the registry among them.
/// </summary>
public class EmbeddedRedisServerTests
{
    [Fact]
    public async Task MoreWrittenThanTheMemoryLogHolds_OldestRecordsStillThere_LogRemovedOnDispose()
    {
        string logDirectory;
        using (var server = EmbeddedRedisServer.Start())
        {
            logDirectory = server.LogDirectory;
            await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
            var db = redis.GetDatabase();
            await db.StringIncrementAsync("changes");
            await db.HashSetAsync("registry", "propensity/1", "READY");

            // 96 MB of 1 KB strings with a TTL, like prediction records and telemetry counts.
            var payload = new string('p', 1024);
            for (var round = 0; round < 12; round++)
            {
                var writes = new Task[8192];
                for (var i = 0; i < writes.Length; i++)
                {
                    writes[i] = db.StringSetAsync($"record:{round}:{i}", payload, TimeSpan.FromHours(1));
                }
                await Task.WhenAll(writes);
            }

            Assert.Equal(1, (long)await db.StringGetAsync("changes"));
            Assert.Equal("READY", (string?)await db.HashGetAsync("registry", "propensity/1"));
            Assert.Equal(payload, (string?)await db.StringGetAsync("record:0:0"));
            Assert.True(Directory.EnumerateFiles(logDirectory, "*", SearchOption.AllDirectories).Any(), "the log spilled to its directory");
        }
        Assert.False(Directory.Exists(logDirectory));
    }
}
