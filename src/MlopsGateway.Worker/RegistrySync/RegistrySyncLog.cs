using Microsoft.Extensions.Logging;

namespace MlopsGateway.Worker.RegistrySync;

/// <summary>Log events of a worker serving from the registry (ids 1301+).</summary>
internal static partial class RegistrySyncLog
{
    [LoggerMessage(EventId = 1301, EventName = "RegistryVersionFetched", Level = LogLevel.Information,
        Message = "Fetched model '{Model}' version {Version} from the artefact store (sha256 {Sha256} verified) into {Path}")]
    public static partial void VersionFetched(ILogger logger, string model, string version, string sha256, string path);

    [LoggerMessage(EventId = 1302, EventName = "RegistryVersionRefused", Level = LogLevel.Error,
        Message = "Refused model '{Model}' version {Version} from the registry, not loaded (the other versions are): {Reason}")]
    public static partial void VersionRefused(ILogger logger, string model, string version, string reason);

    [LoggerMessage(EventId = 1303, EventName = "RegistryVersionRemoved", Level = LogLevel.Information,
        Message = "Model '{Model}' version {Version} is retired, not READY or not served here any more; draining and unloading it")]
    public static partial void VersionRemoved(ILogger logger, string model, string version);

    [LoggerMessage(EventId = 1304, EventName = "RegistryUnavailable", Level = LogLevel.Warning,
        Message = "Could not read the model registry; serving the {Count} versions loaded (or cached) and retrying")]
    public static partial void RegistryUnavailable(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 1305, EventName = "RegistryRecovered", Level = LogLevel.Information,
        Message = "Read the model registry again")]
    public static partial void RegistryRecovered(ILogger logger);

    [LoggerMessage(EventId = 1306, EventName = "RegistryUnrecordedModelKept", Level = LogLevel.Warning,
        Message = "The model registry holds no record of model '{Model}', which this worker serves from its cache; still serving it. Versions are retired, never deleted, so the registry's Redis has probably lost its data: push its versions again or restore Redis's data (a worker started with an empty cache cannot serve it)")]
    public static partial void UnrecordedModelKept(ILogger logger, string model);
}
