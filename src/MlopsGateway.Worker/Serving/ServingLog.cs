using Microsoft.Extensions.Logging;

namespace MlopsGateway.Worker.Serving;

/// <summary>Log events of the inference service (in the worker's 1001+ range). Event ids and names are a contract: dashboards and alerts match on them.</summary>
internal static partial class ServingLog
{
    [LoggerMessage(EventId = 1004, EventName = "InferenceFailed", Level = LogLevel.Error,
        Message = "Inference failed for model '{Model}' version {Version}")]
    public static partial void InferenceFailed(ILogger logger, string model, string version, Exception exception);
}
