using Microsoft.Extensions.Logging;

namespace MlopsGateway.Gateway;

/// <summary>The gateway's log events. Event ids and names are a contract; secrets never appear in them.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(EventId = 2001, EventName = "KeysLoaded", Level = LogLevel.Information,
        Message = "Loaded {Count} API keys from Redis")]
    public static partial void KeysLoaded(ILogger logger, int count);

    [LoggerMessage(EventId = 2002, EventName = "RedisUnavailable", Level = LogLevel.Warning,
        Message = "Redis is unavailable; serving from the last loaded keys, routes and workers until it returns")]
    public static partial void RedisUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2003, EventName = "RedisRecovered", Level = LogLevel.Information,
        Message = "Redis is reachable again; keys, routes and workers reloaded")]
    public static partial void RedisRecovered(ILogger logger);

    [LoggerMessage(EventId = 2004, EventName = "AuthFailed", Level = LogLevel.Debug,
        Message = "Refused {Method}: {Reason}")]
    public static partial void AuthFailed(ILogger logger, string method, string reason);

    [LoggerMessage(EventId = 2005, EventName = "UpstreamFailed", Level = LogLevel.Warning,
        Message = "Forwarding {Method} for model '{Model}' to {Worker} failed: {Error}")]
    public static partial void UpstreamFailed(ILogger logger, string method, string model, string worker, string error, Exception? exception);

    [LoggerMessage(EventId = 2016, EventName = "CallerAbandoned", Level = LogLevel.Debug,
        Message = "Forwarding {Method} for model '{Model}' stopped on the caller's side: {Error} ({Cause})")]
    public static partial void CallerAbandoned(ILogger logger, string method, string model, string error, string cause);

    [LoggerMessage(EventId = 2006, EventName = "SnapshotChanged", Level = LogLevel.Information,
        Message = "Routing snapshot: {Routes} routes, {Workers} workers ({Ready} ready)")]
    public static partial void SnapshotChanged(ILogger logger, int routes, int workers, int ready);

    [LoggerMessage(EventId = 2007, EventName = "UpstreamRetried", Level = LogLevel.Information,
        Message = "Retrying {Method} for model '{Model}' on another worker: {Worker} failed before the request reached it ({Error})")]
    public static partial void UpstreamRetried(ILogger logger, string method, string model, string worker, string error);

    [LoggerMessage(EventId = 2008, EventName = "QuotaRejected", Level = LogLevel.Debug,
        Message = "Refused {Method} for {Caller}: over quota")]
    public static partial void QuotaRejected(ILogger logger, string method, string caller);

    [LoggerMessage(EventId = 2009, EventName = "SharedQuotaUnavailable", Level = LogLevel.Warning,
        Message = "Shared quota counts in Redis are unavailable; letting requests through until Redis returns")]
    public static partial void SharedQuotaUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2014, EventName = "RedisChangesRestored", Level = LogLevel.Warning,
        Message = "Redis lost changes (restarted empty or from an older save: change count {Read}, this gateway had seen {Seen}); wrote back this gateway's snapshot: {KeysWritten} API keys written and {KeysRemoved} removed, {RoutesWritten} routes written and {RoutesRemoved} removed. Workers register again by themselves; shared quota counts start afresh")]
    public static partial void RedisChangesRestored(ILogger logger, long read, long seen, int keysWritten, int keysRemoved, int routesWritten, int routesRemoved);

    [LoggerMessage(EventId = 2015, EventName = "WorkerDraining", Level = LogLevel.Information,
        Message = "Worker {Address} is draining before it stops: no more calls go there; those already sent are answered")]
    public static partial void WorkerDraining(ILogger logger, string address);
}
