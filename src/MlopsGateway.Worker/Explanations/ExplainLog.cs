using Microsoft.Extensions.Logging;

namespace MlopsGateway.Worker.Explanations;

/// <summary>Log events of explanations (2130-2139). Event ids and names are a contract: dashboards and alerts match on them.</summary>
internal static partial class ExplainLog
{
    [LoggerMessage(EventId = 2130, EventName = "ExplainBaselineUnusable", Level = LogLevel.Warning,
        Message = "Model '{Model}' version {Version} has a baseline that cannot be used for explanations: {Fault}")]
    public static partial void BaselineUnusable(ILogger logger, string model, string version, string fault);

    [LoggerMessage(EventId = 2131, EventName = "ExplainFailed", Level = LogLevel.Error,
        Message = "An explanation of model '{Model}' version {Version} failed")]
    public static partial void Failed(ILogger logger, string model, string version, Exception exception);

    [LoggerMessage(EventId = 2132, EventName = "Explained", Level = LogLevel.Debug,
        Message = "Explained model '{Model}' version {Version} ({Method}): {Evaluations} rows in {Requests} batched requests, {Milliseconds} ms")]
    public static partial void Explained(ILogger logger, string model, string version, string method, long evaluations, int requests, long milliseconds);
}
