using Microsoft.Extensions.Logging;

namespace MlopsGateway.Gateway.Rollouts;

/// <summary>The rollout controller's log events. Event ids and names are a contract; webhook URLs never appear.</summary>
internal static partial class RolloutLog
{
    [LoggerMessage(EventId = 2090, EventName = "RolloutLeaseTaken", Level = LogLevel.Information,
        Message = "This gateway ({Holder}) leads the rollout controllers (fencing token {Token})")]
    public static partial void LeaseTaken(ILogger logger, string holder, long token);

    [LoggerMessage(EventId = 2091, EventName = "RolloutLeaseLost", Level = LogLevel.Warning,
        Message = "This gateway ({Holder}) lost the rollout controllers' lease (fencing token {Token}); another gateway leads")]
    public static partial void LeaseLost(ILogger logger, string holder, long token);

    [LoggerMessage(EventId = 2092, EventName = "RolloutDecided", Level = LogLevel.Information,
        Message = "Rollout of {Model} version {Canary}: {Decision} ({Phase}, weight {Weight}%): {Reason}")]
    public static partial void Decided(ILogger logger, string model, string canary, string decision, string phase, double weight, string reason);

    [LoggerMessage(EventId = 2093, EventName = "RolloutWriteLost", Level = LogLevel.Information,
        Message = "Rollout of {Model}: the record changed or the lease moved before this decision was written; it is decided again next tick")]
    public static partial void WriteLost(ILogger logger, string model);

    [LoggerMessage(EventId = 2094, EventName = "RolloutRouteRefused", Level = LogLevel.Warning,
        Message = "Rollout of {Model}: the route change was refused ({Reason}); retried next tick")]
    public static partial void RouteRefused(ILogger logger, string model, string reason);

    [LoggerMessage(EventId = 2095, EventName = "RolloutAliasNotMoved", Level = LogLevel.Warning,
        Message = "Rollout of {Model}: version {Version} was promoted but the champion alias was not moved: {Reason}")]
    public static partial void AliasNotMoved(ILogger logger, string model, string version, string reason);

    [LoggerMessage(EventId = 2096, EventName = "RolloutRecordFault", Level = LogLevel.Warning,
        Message = "Rollout record {Key} is skipped: {Fault}")]
    public static partial void RecordFault(ILogger logger, string key, string fault);

    [LoggerMessage(EventId = 2097, EventName = "RolloutTickFailed", Level = LogLevel.Warning,
        Message = "The rollout controller's tick failed; retried next tick")]
    public static partial void TickFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2102, EventName = "RolloutTickSkipped", Level = LogLevel.Debug,
        Message = "The rollout controller skipped its tick: Redis is not reachable ({Reason})")]
    public static partial void TickSkipped(ILogger logger, string reason);

    [LoggerMessage(EventId = 2098, EventName = "RolloutWebhookPosted", Level = LogLevel.Debug,
        Message = "Rollout event {Id} posted to its webhook (HTTP {Status})")]
    public static partial void WebhookPosted(ILogger logger, string id, int status);

    [LoggerMessage(EventId = 2099, EventName = "RolloutWebhookRetrying", Level = LogLevel.Information,
        Message = "Rollout event {Id}: post failed ({Reason}); attempt {Attempt} in {Delay}")]
    public static partial void WebhookRetrying(ILogger logger, string id, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 2100, EventName = "RolloutWebhookFailed", Level = LogLevel.Warning,
        Message = "Rollout event {Id} was not delivered to its webhook: {Reason}")]
    public static partial void WebhookFailed(ILogger logger, string id, string reason);

    [LoggerMessage(EventId = 2101, EventName = "RolloutWebhookDropped", Level = LogLevel.Warning,
        Message = "Rollout event {Id} dropped: too many events were already waiting for webhooks")]
    public static partial void WebhookDropped(ILogger logger, string id);
}
