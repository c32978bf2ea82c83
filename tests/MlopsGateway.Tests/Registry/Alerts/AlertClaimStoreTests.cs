using MlopsGateway.Registry;
using MlopsGateway.Registry.Alerts;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Registry.Alerts;

public class AlertClaimStoreTests
{
    private static readonly TimeSpan s_ttl = TimeSpan.FromMinutes(5);

    private static RedisKeys NewNamespace() => new("alerts-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task ClaimStartAsync_TwoGateways_OneWinsAndBothAgreeOnTheEpisode()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = NewNamespace();
        var a = new AlertClaimStore(redis, keys);
        var b = new AlertClaimStore(redis, keys);

        var first = await a.ClaimStartAsync("drift:m:1:f", "drift:m:1:f@100", s_ttl);
        var second = await b.ClaimStartAsync("drift:m:1:f", "drift:m:1:f@110", s_ttl);

        Assert.Equal(new AlertClaim(true, "drift:m:1:f@100", null), first);
        Assert.Equal(new AlertClaim(false, "drift:m:1:f@100", null), second);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(100), AlertClaimStore.StartOf(second.Episode));
    }

    [Fact]
    public async Task ClaimEndAsync_TwoGateways_OneWinsThenANewEpisodeCanStart()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = NewNamespace();
        var a = new AlertClaimStore(redis, keys);
        var b = new AlertClaimStore(redis, keys);
        await a.ClaimStartAsync("drift:m:1:f", "drift:m:1:f@100", s_ttl);

        // b saw the start late, with an episode of its own: it still ends a's.
        var ends = await Task.WhenAll(a.ClaimEndAsync("drift:m:1:f", "drift:m:1:f@100", s_ttl), b.ClaimEndAsync("drift:m:1:f", "drift:m:1:f@110", s_ttl));

        Assert.Single(ends, e => e.Won);
        Assert.All(ends, e => Assert.Equal("drift:m:1:f@100", e.Episode));
        Assert.True((await b.ClaimStartAsync("drift:m:1:f", "drift:m:1:f@500", s_ttl)).Won);
    }

    [Fact]
    public async Task ClaimStartAsync_HandWrittenValue_ReplacedAndReported()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = NewNamespace();
        await redis.GetDatabase().StringSetAsync(keys.Alerts.Firing("drift:m:1:f"), "nonsense");

        var claim = await new AlertClaimStore(redis, keys).ClaimStartAsync("drift:m:1:f", "drift:m:1:f@100", s_ttl);

        Assert.True(claim.Won);
        Assert.Equal(keys.Alerts.Firing("drift:m:1:f"), claim.Fault?.Key);
        Assert.Equal("drift:m:1:f@100", (string?)await redis.GetDatabase().StringGetAsync(keys.Alerts.Firing("drift:m:1:f")));
    }
}
