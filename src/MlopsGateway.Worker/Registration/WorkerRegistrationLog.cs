using Microsoft.Extensions.Logging;

namespace MlopsGateway.Worker.Registration;

/// <summary>Log events of worker registration (ids 1101+, apart from the serving events).</summary>
internal static partial class WorkerRegistrationLog
{
    [LoggerMessage(EventId = 1101, EventName = "WorkerRegistered", Level = LogLevel.Information,
        Message = "Registered worker {WorkerId} at {Address} in Redis, serving {Versions}")]
    public static partial void Registered(ILogger logger, string workerId, string address, string versions);

    [LoggerMessage(EventId = 1102, EventName = "WorkerHeartbeatFailed", Level = LogLevel.Warning,
        Message = "Could not renew worker {WorkerId} in Redis; serving on and retrying every heartbeat")]
    public static partial void HeartbeatFailed(ILogger logger, string workerId, Exception exception);

    [LoggerMessage(EventId = 1103, EventName = "WorkerDeregistered", Level = LogLevel.Information,
        Message = "Removed worker {WorkerId} from Redis; gateways drop it on the announcement")]
    public static partial void Deregistered(ILogger logger, string workerId);

    [LoggerMessage(EventId = 1104, EventName = "WorkerDeregisterFailed", Level = LogLevel.Warning,
        Message = "Could not remove worker {WorkerId} from Redis; its record expires on its own")]
    public static partial void DeregisterFailed(ILogger logger, string workerId, Exception exception);
}
