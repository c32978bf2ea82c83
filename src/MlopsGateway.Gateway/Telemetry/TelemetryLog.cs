using Microsoft.Extensions.Logging;

namespace MlopsGateway.Gateway.Telemetry;

/// <summary>Call telemetry's log entries (event ids 2080-2089).</summary>
internal static partial class TelemetryLog
{
    [LoggerMessage(EventId = 2080, EventName = "TelemetryFlushFailed", Level = LogLevel.Warning,
        Message = "Call telemetry could not be added to Redis ({Error}); {Pending} version-buckets are kept for the next flush, and rollouts see no new counts until then")]
    public static partial void FlushFailed(ILogger logger, string error, int pending);

    [LoggerMessage(EventId = 2081, EventName = "TelemetryFlushRecovered", Level = LogLevel.Information,
        Message = "Call telemetry reaches Redis again: {Buckets} version-buckets kept since the failure were added")]
    public static partial void FlushRecovered(ILogger logger, int buckets);

    [LoggerMessage(EventId = 2082, EventName = "TelemetryDropped", Level = LogLevel.Warning,
        Message = "Redis has been away too long: dropped the oldest call telemetry, {Calls} calls and {Rows} shadow rows of {Buckets} version-buckets (TelemetryMaxPendingBuckets {Limit})")]
    public static partial void Dropped(ILogger logger, long calls, long rows, int buckets, int limit);

}
