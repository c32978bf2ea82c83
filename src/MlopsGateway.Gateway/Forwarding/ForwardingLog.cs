using Microsoft.Extensions.Logging;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>Forwarding's own log events (ids 2040-2049). Event ids and names are a contract.</summary>
internal static partial class ForwardingLog
{
    [LoggerMessage(EventId = 2040, EventName = "UpstreamReplayed", Level = LogLevel.Information,
        Message = "Sending {Method} for model '{Model}' again, to another worker: {Worker} failed with the request in flight ({Error}), before anything of its answer reached the caller")]
    public static partial void UpstreamReplayed(ILogger logger, string method, string model, string worker, string error);
}
