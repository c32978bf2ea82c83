using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MlopsGateway.Gateway.Versions;

/// <summary>
/// Writes the calls to deprecated versions counted by <see cref="CallerCounts"/> to Redis every
/// <see cref="GatewayOptions.CallerFlushInterval"/>, off the request path, and once more on a clean
/// stop; counts Redis did not take are kept for the next flush.
/// </summary>
internal sealed class CallerFlush(CallerCounts counts, CallerStore store, IOptions<GatewayOptions> options, TimeProvider time) : BackgroundService
{
    /// <summary>Writes what was counted so far; returns how many counts Redis took.</summary>
    public async Task<int> FlushAsync()
    {
        var taken = counts.Take();
        if (taken.Count == 0)
        {
            return 0;
        }
        var failed = await store.MergeAsync(taken).ConfigureAwait(false);
        counts.Return(failed);
        return taken.Count - failed.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CallerFlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await FlushAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await FlushAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or StackExchange.Redis.RedisException)
        {
            // Stopping without Redis: these counts are lost, the ones flushed before are not.
        }
    }
}
