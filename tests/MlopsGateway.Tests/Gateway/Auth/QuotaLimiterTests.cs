using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Auth;

namespace MlopsGateway.Tests.Gateway.Auth;

/// <summary>
/// The in-memory token buckets. Rates here are a token per 1,000 s or slower, so the limiter's own
/// replenishment (every 100 ms, by elapsed time) adds nothing during a test: no sleeps, no races.
/// </summary>
public sealed class QuotaLimiterTests : IDisposable
{
    private readonly QuotaLimiter _quotas = new(null!, Options.Create(new GatewayOptions()), NullLogger<QuotaLimiter>.Instance);

    private static CallerIdentity Caller(string id, double? rate, int? burst = null) => new(id, id, ["*"], rate, burst);

    [Fact]
    public async Task TryAcquireAsync_BurstSpent_RefusedWithAWait()
    {
        var caller = Caller("a", 0.001, burst: 3);

        var results = new List<TimeSpan?>();
        for (var i = 0; i < 4; i++)
        {
            results.Add(await _quotas.TryAcquireAsync(caller, CancellationToken.None));
        }

        Assert.Equal([null, null, null], results.Take(3));
        Assert.NotNull(results[3]);
        Assert.True(results[3] >= TimeSpan.Zero);
    }

    [Fact]
    public async Task TryAcquireAsync_CallersHaveTheirOwnBuckets()
    {
        var a = Caller("a", 0.001);
        var b = Caller("b", 0.001);

        Assert.Null(await _quotas.TryAcquireAsync(a, CancellationToken.None));
        Assert.NotNull(await _quotas.TryAcquireAsync(a, CancellationToken.None));
        Assert.Null(await _quotas.TryAcquireAsync(b, CancellationToken.None));
    }

    [Fact]
    public async Task TryAcquireAsync_NoRate_NeverLimited()
    {
        var caller = Caller("a", null);

        for (var i = 0; i < 100; i++)
        {
            Assert.Null(await _quotas.TryAcquireAsync(caller, CancellationToken.None));
        }
    }

    [Fact]
    public async Task TryAcquireAsync_RateChanged_FreshBucket()
    {
        Assert.Null(await _quotas.TryAcquireAsync(Caller("a", 0.001), CancellationToken.None));
        Assert.NotNull(await _quotas.TryAcquireAsync(Caller("a", 0.001), CancellationToken.None));

        Assert.Null(await _quotas.TryAcquireAsync(Caller("a", 0.002), CancellationToken.None));
    }

    [Theory]
    [InlineData(10.0, null, 10, 10, 1000)]
    [InlineData(2.5, 5, 5, 3, 1200)]
    [InlineData(0.5, null, 1, 1, 2000)]
    public void Bucket_Rate_WholeTokensPerStretchedPeriod(double rate, int? burst, int limit, int tokens, int periodMs)
    {
        var (bucketLimit, bucketTokens, period) = QuotaLimiter.Bucket(Caller("a", rate, burst));

        Assert.Equal((limit, tokens), (bucketLimit, bucketTokens));
        Assert.Equal(periodMs, period.TotalMilliseconds, 3);
    }

    public void Dispose() => _quotas.Dispose();
}
