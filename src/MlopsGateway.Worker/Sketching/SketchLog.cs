using Microsoft.Extensions.Logging;

namespace MlopsGateway.Worker.Sketching;

/// <summary>Log events of the drift sketches and captures (ids 1501-1507). Event ids and names are a contract.</summary>
internal static partial class SketchLog
{
    [LoggerMessage(EventId = 1501, EventName = "SketchAttached", Level = LogLevel.Information,
        Message = "Counting drift for model '{Model}' version {Version} against its baseline ({Source}, {Rows} rows, {Features} features)")]
    public static partial void Attached(ILogger logger, string model, string version, string source, long rows, int features);

    [LoggerMessage(EventId = 1502, EventName = "SketchUnfit", Level = LogLevel.Warning,
        Message = "Model '{Model}' version {Version} is not sketched: {Reason}")]
    public static partial void Unfit(ILogger logger, string model, string version, string reason);

    [LoggerMessage(EventId = 1503, EventName = "SketchRedisUnavailable", Level = LogLevel.Warning,
        Message = "Drift counts could not be written to Redis ({Reason}); they are kept (up to {MaxPending} flushes) and written when it is back")]
    public static partial void RedisUnavailable(ILogger logger, string reason, int maxPending);

    [LoggerMessage(EventId = 1504, EventName = "SketchRedisBack", Level = LogLevel.Information,
        Message = "Drift counts are written to Redis again ({Flushes} held flushes written)")]
    public static partial void RedisBack(ILogger logger, int flushes);

    [LoggerMessage(EventId = 1505, EventName = "SketchCountsDropped", Level = LogLevel.Warning,
        Message = "Drift counts of {Rows} rows were dropped: Redis was away for longer than {MaxPending} flushes")]
    public static partial void Dropped(ILogger logger, long rows, int maxPending);

    [LoggerMessage(EventId = 1506, EventName = "CaptureStarted", Level = LogLevel.Information,
        Message = "Capturing rows of model '{Model}' version {Version} for a baseline: {Stored} of {Rows} stored")]
    public static partial void CaptureStarted(ILogger logger, string model, string version, long stored, int rows);

    [LoggerMessage(EventId = 1507, EventName = "SketchRecordFault", Level = LogLevel.Warning,
        Message = "Skipped a record at {Key}: {Fault}")]
    public static partial void RecordFault(ILogger logger, string key, string fault);
}
