using Microsoft.Extensions.Logging;

namespace MlopsGateway.Worker.Draining;

/// <summary>Log events of the clean stop (in the worker's 1001+ range). Event ids and names are a contract: dashboards and alerts match on them.</summary>
internal static partial class DrainLog
{
    [LoggerMessage(EventId = 1010, EventName = "WorkerDraining", Level = LogLevel.Information,
        Message = "Stopping: draining for {DrainSeconds:0.###} s (health checks fail, answers marked draining) while gateways stop sending calls here")]
    public static partial void Draining(ILogger logger, double drainSeconds);
}
