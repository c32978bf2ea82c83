using System.Globalization;
using System.Threading.RateLimiting;

namespace MlopsGateway.Gateway.Auth;

/// <summary>
/// Per-caller limits of requests in flight (a key's <c>max_in_flight</c>), counted in this gateway's
/// memory: System.Threading.RateLimiting's <see cref="ConcurrencyLimiter"/>, one per caller and
/// limit, with no queue (a caller over its limit is refused at once, not held). The partitioned
/// limiter drops a caller's limiter once it has been idle a while.
/// </summary>
internal sealed class InFlightLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<CallerIdentity> _limiter = PartitionedRateLimiter.Create<CallerIdentity, string>(caller =>
        RateLimitPartition.GetConcurrencyLimiter(PartitionKey(caller), _ => new ConcurrencyLimiterOptions
        {
            PermitLimit = caller.MaxInFlight ?? int.MaxValue,
            QueueLimit = 0,
        }));

    /// <summary>A lease to dispose when the call is answered, or null when <paramref name="caller"/> is at its limit.</summary>
    public RateLimitLease? TryAcquire(CallerIdentity caller)
    {
        var lease = _limiter.AttemptAcquire(caller);
        if (lease.IsAcquired)
        {
            return lease;
        }
        lease.Dispose();
        return null;
    }

    /// <summary>How many more calls <paramref name="caller"/> may start now.</summary>
    public long Available(CallerIdentity caller) => _limiter.GetStatistics(caller)?.CurrentAvailablePermits ?? 0;

    public void Dispose() => _limiter.Dispose();

    /// <summary>A change of limit takes a fresh limiter (the calls in flight release the old one).</summary>
    private static string PartitionKey(CallerIdentity caller) =>
        string.Create(CultureInfo.InvariantCulture, $"{caller.Id}|{caller.MaxInFlight}");
}
