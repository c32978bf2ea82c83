using Microsoft.Extensions.Logging;

namespace MlopsGateway.Gateway.Internal;

/// <summary>The gateway's log events. Event ids and names are a contract; secrets never appear in them.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(EventId = 2001, EventName = "KeysLoaded", Level = LogLevel.Information,
        Message = "Loaded {Count} API keys from Redis")]
    public static partial void KeysLoaded(ILogger logger, int count);

    [LoggerMessage(EventId = 2002, EventName = "RedisUnavailable", Level = LogLevel.Warning,
        Message = "Redis is unavailable; serving from the last loaded keys until it returns")]
    public static partial void RedisUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2003, EventName = "RedisRecovered", Level = LogLevel.Information,
        Message = "Redis is reachable again; keys reloaded")]
    public static partial void RedisRecovered(ILogger logger);

    [LoggerMessage(EventId = 2004, EventName = "AuthFailed", Level = LogLevel.Debug,
        Message = "Refused {Method}: {Reason}")]
    public static partial void AuthFailed(ILogger logger, string method, string reason);

    [LoggerMessage(EventId = 2005, EventName = "UpstreamFailed", Level = LogLevel.Warning,
        Message = "Forwarding {Method} for model '{Model}' to {Worker} failed: {Error}")]
    public static partial void UpstreamFailed(ILogger logger, string method, string model, string worker, string error, Exception? exception);
}
