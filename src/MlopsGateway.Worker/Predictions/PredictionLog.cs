using Microsoft.Extensions.Logging;

namespace MlopsGateway.Worker.Predictions;

/// <summary>The prediction records' log events (17xx).</summary>
internal static partial class PredictionLog
{
    [LoggerMessage(EventId = 1701, EventName = "PredictionWriteFailed", Level = LogLevel.Warning,
        Message = "Could not write {Count} prediction records to Redis; they are dropped and counted (outcome failed), and predictions are still answered. Logged once until a write succeeds.")]
    public static partial void WriteFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 1702, EventName = "PredictionWritesResumed", Level = LogLevel.Information,
        Message = "Prediction records reach Redis again.")]
    public static partial void WritesResumed(ILogger logger);
}
