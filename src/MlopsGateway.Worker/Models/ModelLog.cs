using Microsoft.Extensions.Logging;

namespace MlopsGateway.Worker.Models;

/// <summary>Log events of the model repository and loader (the worker's ids run from 1001; registration's from 1101). Event ids and names are a contract: dashboards and alerts match on them.</summary>
internal static partial class ModelLog
{
    [LoggerMessage(EventId = 1001, EventName = "ModelLoaded", Level = LogLevel.Information,
        Message = "Loaded model '{Model}' version {Version} from {Path} on {Provider}, batching {Batching}: inputs {Inputs}; outputs {Outputs}")]
    public static partial void ModelLoaded(ILogger logger, string model, string version, string path, string provider, string batching, string inputs, string outputs);

    [LoggerMessage(EventId = 1002, EventName = "ModelRefused", Level = LogLevel.Error,
        Message = "Refused model '{Model}' version {Version} at {Path}: {Reason}")]
    public static partial void ModelRefused(ILogger logger, string model, string version, string path, string reason);

    [LoggerMessage(EventId = 1003, EventName = "RepositoryEmpty", Level = LogLevel.Warning,
        Message = "The model repository {Root} holds no servable model; expected <repo>/<model>/<version>/model.onnx")]
    public static partial void RepositoryEmpty(ILogger logger, string root);

    [LoggerMessage(EventId = 1005, EventName = "RepositoryLoaded", Level = LogLevel.Information,
        Message = "Model repository {Root}: {Count} model versions ready")]
    public static partial void RepositoryLoaded(ILogger logger, string root, int count);

    [LoggerMessage(EventId = 1006, EventName = "CudaUnavailable", Level = LogLevel.Warning,
        Message = "CUDA is not available, so models with execution_provider 'auto' run on CPU (first: model '{Model}' version {Version}). Reason: {Reason}")]
    public static partial void CudaUnavailable(ILogger logger, string model, string version, string reason);

    [LoggerMessage(EventId = 1007, EventName = "BatchingOff", Level = LogLevel.Warning,
        Message = "Batching is off for model '{Model}' version {Version}: '{Tensor}' has shape {Shape}, whose first dimension is fixed. Set \"dynamic_batch_dim\": true in config.json to rewrite it")]
    public static partial void BatchingOff(ILogger logger, string model, string version, string tensor, string shape);

    [LoggerMessage(EventId = 1008, EventName = "ModelUnloaded", Level = LogLevel.Information,
        Message = "Unloaded model '{Model}' version {Version} after draining its queue")]
    public static partial void ModelUnloaded(ILogger logger, string model, string version);

    [LoggerMessage(EventId = 1009, EventName = "RepositoryChanged", Level = LogLevel.Information,
        Message = "Model folder '{Model}' changed on disk; reloading it")]
    public static partial void RepositoryChanged(ILogger logger, string model);
}
