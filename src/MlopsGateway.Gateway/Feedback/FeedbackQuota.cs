using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace MlopsGateway.Gateway.Feedback;

/// <summary>
/// Labels per caller per second (<see cref="GatewayOptions.FeedbackRate"/>): one in-memory token
/// bucket per caller id, as <see cref="Auth.QuotaLimiter"/> keeps them for predictions, apart from
/// the caller's prediction quota (a service that predicts a lot need not label a lot, and back).
/// </summary>
internal sealed class FeedbackQuota : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public FeedbackQuota(IOptions<GatewayOptions> options)
    {
        var rate = options.Value.FeedbackRate;
        var tokens = (int)Math.Max(1, Math.Ceiling(rate));
        _limiter = PartitionedRateLimiter.Create<string, string>(caller => RateLimitPartition.GetTokenBucketLimiter(caller, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = tokens,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = TimeSpan.FromSeconds(tokens / rate),
            QueueLimit = 0,
            AutoReplenishment = false,
        }));
        Rate = rate;
    }

    /// <summary>Labels per second per caller.</summary>
    public double Rate { get; }

    /// <summary>Takes a token for one label of <paramref name="callerId"/>; false when its bucket is empty.</summary>
    public bool TryTake(string callerId)
    {
        using var lease = _limiter.AttemptAcquire(callerId);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
