using Microsoft.Extensions.Logging;
using MlopsGateway.Monitoring.Alerts;
using MlopsGateway.Registry.Alerts;
using StackExchange.Redis;

namespace MlopsGateway.Gateway.Quality;

/// <summary>
/// What happens to an alert transition: logged by every gateway that saw it, posted to the webhook
/// by the one that claimed it in Redis (<see cref="AlertClaimStore"/>), under the episode id they agree on.
/// </summary>
internal sealed class AlertDispatch(AlertClaimStore claims, WebhookSender? webhook, TimeSpan firingTtl, ILogger logger)
{
    // Long enough that no gateway still lagging behind could claim the same end again.
    private static readonly TimeSpan s_claimTtl = TimeSpan.FromDays(2);

    /// <summary>The webhook's sender; null when none is configured.</summary>
    public WebhookSender? Webhook => webhook;

    /// <summary>Logs, claims and posts <paramref name="transition"/>; returns the episode the gateways agreed on.</summary>
    public async Task<string> HandleAsync(AlertTransition transition)
    {
        var alert = transition.Event;
        if (transition.Status == AlertEvent.Started)
        {
            QualityLog.AlertStarted(logger, alert.Summary, alert.Id);
        }
        else
        {
            QualityLog.AlertEnded(logger, alert.Summary, alert.Id);
        }
        if (webhook is null)
        {
            return transition.Episode;
        }
        AlertClaim claim;
        try
        {
            claim = transition.Status == AlertEvent.Started
                ? await claims.ClaimStartAsync(transition.Key, transition.Episode, firingTtl).ConfigureAwait(false)
                : await claims.ClaimEndAsync(transition.Key, transition.Episode, s_claimTtl).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // A page twice beats none.
            QualityLog.ClaimUnavailable(logger, alert.Id, ex);
            webhook.Enqueue(alert);
            return transition.Episode;
        }
        if (claim.Fault is { } fault)
        {
            QualityLog.RecordFault(logger, fault.Key, fault.Fault);
        }
        var agreed = alert with { Id = $"{claim.Episode}:{transition.Status}", StartedAt = AlertClaimStore.StartOf(claim.Episode) };
        if (!claim.Won)
        {
            QualityLog.ClaimedElsewhere(logger, agreed.Id);
            return claim.Episode;
        }
        webhook.Enqueue(agreed);
        return claim.Episode;
    }

    /// <summary>Keeps the alerts this gateway sees firing alive in Redis for another TTL.</summary>
    public async Task RenewAsync(IEnumerable<(string Key, string Episode)> firing)
    {
        if (webhook is null)
        {
            return;
        }
        foreach (var (key, episode) in firing)
        {
            await claims.RenewAsync(key, episode, firingTtl).ConfigureAwait(false);
        }
    }
}
