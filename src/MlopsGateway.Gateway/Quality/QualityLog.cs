using Microsoft.Extensions.Logging;

namespace MlopsGateway.Gateway.Quality;

/// <summary>The evaluation loop's and the alerts' log events. Event ids and names are a contract.</summary>
internal static partial class QualityLog
{
    [LoggerMessage(EventId = 2050, EventName = "QualityEvaluationFailed", Level = LogLevel.Warning,
        Message = "Evaluating drift and accuracy of '{Model}' version {Version} failed; its gauges keep their last values until the next evaluation")]
    public static partial void EvaluationFailed(ILogger logger, string model, string version, Exception exception);

    [LoggerMessage(EventId = 2051, EventName = "AlertStarted", Level = LogLevel.Warning,
        Message = "Alert started: {Summary} ({Id})")]
    public static partial void AlertStarted(ILogger logger, string summary, string id);

    [LoggerMessage(EventId = 2052, EventName = "AlertEnded", Level = LogLevel.Information,
        Message = "Alert ended: {Summary} ({Id})")]
    public static partial void AlertEnded(ILogger logger, string summary, string id);

    [LoggerMessage(EventId = 2053, EventName = "AlertClaimedElsewhere", Level = LogLevel.Debug,
        Message = "Alert transition {Id} was claimed by another gateway, which posts it")]
    public static partial void ClaimedElsewhere(ILogger logger, string id);

    [LoggerMessage(EventId = 2054, EventName = "AlertClaimUnavailable", Level = LogLevel.Warning,
        Message = "Could not claim alert transition {Id} in Redis; posting it from this gateway, so another may post it too")]
    public static partial void ClaimUnavailable(ILogger logger, string id, Exception exception);

    [LoggerMessage(EventId = 2055, EventName = "AlertRecordFault", Level = LogLevel.Warning,
        Message = "Skipped alert record {Key}: {Fault}")]
    public static partial void RecordFault(ILogger logger, string key, string fault);
}
