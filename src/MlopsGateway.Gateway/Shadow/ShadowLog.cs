using Microsoft.Extensions.Logging;

namespace MlopsGateway.Gateway.Shadow;

/// <summary>
/// The shadow room's log events, in the gateway's range (<c>GatewayLog</c> has the others). Event ids
/// and names are a contract.
/// </summary>
internal static partial class ShadowLog
{
    [LoggerMessage(EventId = 2010, EventName = "ShadowFailed", Level = LogLevel.Debug,
        Message = "Shadow call for model '{Model}' version {Shadow} failed: {Reason}")]
    public static partial void ShadowFailed(ILogger logger, string model, string shadow, string reason);

    [LoggerMessage(EventId = 2011, EventName = "ShadowYielding", Level = LogLevel.Information,
        Message = "Shadow copies yield to callers: the CPU was {Busy:0}% busy, above the {Limit:0}% limit; sampled copies are sent in part and the rest counted as dropped 'busy' until it falls")]
    public static partial void ShadowYielding(ILogger logger, double busy, double limit);

    [LoggerMessage(EventId = 2012, EventName = "ShadowResumed", Level = LogLevel.Information,
        Message = "Shadow copies resumed in full: the CPU was {Busy:0}% busy, at or below the {Limit:0}% limit")]
    public static partial void ShadowResumed(ILogger logger, double busy, double limit);

    [LoggerMessage(EventId = 2013, EventName = "ShadowCpuUnread", Level = LogLevel.Warning,
        Message = "Shadow copies cannot yield to callers here: no CPU reading came for 2 s (ResourceMonitoring's container.cpu.limit.utilization); every sampled copy is sent even above the {Limit:0}% limit")]
    public static partial void ShadowCpuUnread(ILogger logger, double limit);
}
