using Microsoft.Extensions.Logging;

namespace MlopsGateway.Worker.Internal;

/// <summary>The worker's log events. Event ids and names are a contract: dashboards and alerts match on them.</summary>
internal static partial class WorkerLog
{
    [LoggerMessage(EventId = 1001, EventName = "ModelLoaded", Level = LogLevel.Information,
        Message = "Loaded model '{Model}' version {Version} from {Path}: inputs {Inputs}; outputs {Outputs}")]
    public static partial void ModelLoaded(ILogger logger, string model, string version, string path, string inputs, string outputs);

    [LoggerMessage(EventId = 1002, EventName = "ModelRefused", Level = LogLevel.Error,
        Message = "Refused model '{Model}' version {Version} at {Path}: {Reason}")]
    public static partial void ModelRefused(ILogger logger, string model, string version, string path, string reason);

    [LoggerMessage(EventId = 1003, EventName = "RepositoryEmpty", Level = LogLevel.Warning,
        Message = "The model repository {Root} holds no servable model; expected <repo>/<model>/<version>/model.onnx")]
    public static partial void RepositoryEmpty(ILogger logger, string root);

    [LoggerMessage(EventId = 1004, EventName = "InferenceFailed", Level = LogLevel.Error,
        Message = "Inference failed for model '{Model}' version {Version}")]
    public static partial void InferenceFailed(ILogger logger, string model, string version, Exception exception);

    [LoggerMessage(EventId = 1005, EventName = "RepositoryLoaded", Level = LogLevel.Information,
        Message = "Model repository {Root}: {Count} model versions ready")]
    public static partial void RepositoryLoaded(ILogger logger, string root, int count);
}
