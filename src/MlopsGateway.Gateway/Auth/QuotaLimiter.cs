using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RedisRateLimiting;
using StackExchange.Redis;

namespace MlopsGateway.Gateway.Auth;

/// <summary>
/// Per-caller token buckets (rate and burst from the key record or token). Counted in this
/// gateway's memory, or in Redis when <see cref="GatewayOptions.SharedQuotas"/> is set so that
/// every gateway draws from one bucket per caller.
/// </summary>
internal sealed class QuotaLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<CallerIdentity> _limiter;
    private readonly bool _shared;
    private readonly ILogger<QuotaLimiter> _logger;
    private int _redisDown;

    public QuotaLimiter(IConnectionMultiplexer redis, IOptions<GatewayOptions> options, ILogger<QuotaLimiter> logger)
    {
        _shared = options.Value.SharedQuotas;
        _logger = logger;
        // Buckets in Redis are per namespace, like every key: a deployment never spends another's quota.
        var prefix = options.Value.Namespace + "|";
        _limiter = _shared
            ? PartitionedRateLimiter.Create<CallerIdentity, string>(caller =>
            {
                var (limit, tokens, period) = Bucket(caller);
                return RedisRateLimitPartition.GetTokenBucketRateLimiter(prefix + PartitionKey(caller), _ => new RedisTokenBucketRateLimiterOptions
                {
                    ConnectionMultiplexerFactory = () => redis,
                    TokenLimit = limit,
                    TokensPerPeriod = tokens,
                    ReplenishmentPeriod = period,
                });
            })
            : PartitionedRateLimiter.Create<CallerIdentity, string>(caller =>
            {
                var (limit, tokens, period) = Bucket(caller);
                return RateLimitPartition.GetTokenBucketLimiter(PartitionKey(caller), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limit,
                    TokensPerPeriod = tokens,
                    ReplenishmentPeriod = period,
                    QueueLimit = 0,
                    // The partitioned limiter replenishes every 100 ms by elapsed time, so fractional rates hold.
                    AutoReplenishment = false,
                });
            });
    }

    /// <summary>
    /// Takes one token for <paramref name="caller"/>. Null when allowed; otherwise how long until a
    /// token is due (zero when unknown).
    /// </summary>
    public async ValueTask<TimeSpan?> TryAcquireAsync(CallerIdentity caller, CancellationToken cancellationToken)
    {
        if (caller.RatePerSecond is null)
        {
            return null;
        }
        RateLimitLease lease;
        if (!_shared)
        {
            // Synchronous: the bucket is in memory and the queue is off.
            lease = _limiter.AttemptAcquire(caller);
        }
        else
        {
            try
            {
                lease = await _limiter.AcquireAsync(caller, 1, cancellationToken).ConfigureAwait(false);
                // Reachable again: the next outage is logged again.
                Volatile.Write(ref _redisDown, 0);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Quotas protect the workers; a Redis outage must not turn into refusing every caller.
                if (Interlocked.Exchange(ref _redisDown, 1) == 0)
                {
                    GatewayLog.SharedQuotaUnavailable(_logger, ex);
                }
                return null;
            }
        }
        using (lease)
        {
            if (lease.IsAcquired)
            {
                return null;
            }
            return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.Zero;
        }
    }

    public void Dispose() => _limiter.Dispose();

    /// <summary>A change of rate or burst takes a fresh bucket.</summary>
    private static string PartitionKey(CallerIdentity caller) =>
        string.Create(CultureInfo.InvariantCulture, $"{caller.Id}|{caller.RatePerSecond}|{caller.Burst}");

    /// <summary>Token bucket settings for a rate of r per second: whole tokens per period, the period stretched to match.</summary>
    internal static (int Limit, int Tokens, TimeSpan Period) Bucket(CallerIdentity caller)
    {
        var rate = caller.RatePerSecond ?? 1;
        var tokens = (int)Math.Max(1, Math.Ceiling(rate));
        var limit = caller.Burst ?? tokens;
        return (limit, tokens, TimeSpan.FromSeconds(tokens / rate));
    }
}
