using Microsoft.Extensions.Logging;

namespace MlopsGateway.Monitoring.Alerts;

/// <summary>The alert webhook's log events. Event ids and names are a contract.</summary>
internal static partial class AlertLog
{
    [LoggerMessage(EventId = 2060, EventName = "WebhookPosted", Level = LogLevel.Debug,
        Message = "Alert event {Id} posted to the webhook (HTTP {Status})")]
    public static partial void WebhookPosted(ILogger logger, string id, int status);

    [LoggerMessage(EventId = 2061, EventName = "WebhookRetrying", Level = LogLevel.Information,
        Message = "Alert event {Id}: post failed ({Reason}); attempt {Attempt} in {Delay}")]
    public static partial void WebhookRetrying(ILogger logger, string id, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 2062, EventName = "WebhookFailed", Level = LogLevel.Warning,
        Message = "Alert event {Id} was not delivered to the webhook: {Reason}")]
    public static partial void WebhookFailed(ILogger logger, string id, string reason, Exception? exception);

    [LoggerMessage(EventId = 2063, EventName = "WebhookDropped", Level = LogLevel.Warning,
        Message = "Alert event {Id} dropped: {Capacity} events were already waiting for the webhook")]
    public static partial void WebhookDropped(ILogger logger, string id, int capacity);
}
