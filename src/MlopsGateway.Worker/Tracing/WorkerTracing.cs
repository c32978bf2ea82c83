using System.Diagnostics;
using MlopsGateway.Monitoring;

namespace MlopsGateway.Worker.Tracing;

/// <summary>
/// The worker's spans, children of ASP.NET Core's server span of each call (which continues the
/// caller's or the gateway's trace from its <c>traceparent</c>): <c>queue</c>, the time a request
/// waited in its version's batcher, and <c>run</c>, the ONNX Runtime run that served it. A batch
/// serves several requests, each in its own trace, so every request gets its own <c>run</c> span
/// covering the batch's run, tagged with the batch's size and rows (see <see cref="BatchTracing"/>).
/// </summary>
internal static class WorkerTracing
{
    public const string SourceName = TracingServiceCollectionExtensions.SourcePrefix + "Worker";

    public const string Queue = "queue";

    public const string Run = "run";

    public static ActivitySource Source { get; } = new(SourceName, typeof(WorkerTracing).Assembly.GetName().Version?.ToString());

    /// <summary>
    /// The call's span and the time, taken as a request is queued (its batch runs on another thread,
    /// where the call's span is not current); null, and nothing allocated, when nothing listens.
    /// </summary>
    public static RequestTrace? Capture() =>
        Source.HasListeners() && Activity.Current is { Recorded: true } call ? new RequestTrace(call.Context, DateTime.UtcNow) : null;
}

/// <summary>Where a queued request's spans hang and when it was queued.</summary>
internal sealed class RequestTrace(ActivityContext call, DateTime queuedUtc)
{
    public ActivityContext Call { get; } = call;

    public DateTime QueuedUtc { get; } = queuedUtc;

    /// <summary>Set once its queue span is written: a merged run that failed is rerun request by request, and the request left the queue once.</summary>
    public bool Dequeued { get; set; }
}
