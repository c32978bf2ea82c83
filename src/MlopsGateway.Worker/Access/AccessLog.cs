using Microsoft.Extensions.Logging;

namespace MlopsGateway.Worker.Access;

/// <summary>Log events of the worker's access check (1201+). Event ids and names are a contract; secrets never appear.</summary>
internal static partial class AccessLog
{
    [LoggerMessage(EventId = 1201, EventName = "WorkerOpen", Level = LogLevel.Warning,
        Message = "This worker has no worker secret: anyone who reaches its port may run models{Repository}. Give it a worker secret (and an admin secret) unless only trusted callers can reach it.")]
    public static partial void WorkerOpen(ILogger logger, string repository);

    [LoggerMessage(EventId = 1202, EventName = "CallRefused", Level = LogLevel.Debug,
        Message = "Refused {Path} from {Remote}: {Status}")]
    public static partial void CallRefused(ILogger logger, string path, string? remote, string status);
}
