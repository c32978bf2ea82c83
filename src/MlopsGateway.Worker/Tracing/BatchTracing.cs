using System.Diagnostics;
using Inference;
using MlopsGateway.Monitoring;
using MlopsGateway.Worker.Batching;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Worker.Tracing;

/// <summary>
/// Writes a batch's spans around <see cref="BatchRunner.Run"/>: for each traced request, its
/// <c>queue</c> span (queued until the run began) and its <c>run</c> span (the run), both in the
/// request's own trace. Written once the run is over, with their times set, since the batch thread
/// is in no request's context; one span per request rather than one batch span with links, so each
/// trace shows on its own where its time went.
/// </summary>
internal static class BatchTracing
{
    public static ModelInferResponse[] Run(ModelVersion model, IReadOnlyList<InferItem> items)
    {
        if (!WorkerTracing.Source.HasListeners())
        {
            return BatchRunner.Run(model, items);
        }
        var started = DateTime.UtcNow;
        string? failure = null;
        try
        {
            return BatchRunner.Run(model, items);
        }
        catch (Exception ex)
        {
            failure = ex.GetType().Name;
            throw;
        }
        finally
        {
            Write(model, items, started, DateTime.UtcNow, failure);
        }
    }

    private static void Write(ModelVersion model, IReadOnlyList<InferItem> items, DateTime started, DateTime ended, string? failure)
    {
        long batchRows = 0;
        foreach (var item in items)
        {
            batchRows += item.Rows;
        }
        foreach (var item in items)
        {
            if (item.Trace is not { } trace)
            {
                continue;
            }
            if (!trace.Dequeued)
            {
                trace.Dequeued = true;
                Span(WorkerTracing.Queue, trace, model, item, trace.QueuedUtc, started)?.Stop();
            }
            using var run = Span(WorkerTracing.Run, trace, model, item, started, ended);
            if (run is not null)
            {
                run.SetTag(TraceTags.BatchSize, items.Count);
                run.SetTag(TraceTags.BatchRows, batchRows);
                if (failure is not null)
                {
                    // A merged run that failed is rerun request by request: this request's next run span follows.
                    run.SetStatus(ActivityStatusCode.Error, failure);
                }
            }
        }
    }

    private static Activity? Span(string name, RequestTrace trace, ModelVersion model, InferItem item, DateTime start, DateTime end)
    {
        var span = WorkerTracing.Source.StartActivity(name, ActivityKind.Internal, trace.Call, startTime: start);
        if (span is not null)
        {
            span.SetTag(TraceTags.Model, model.Name);
            span.SetTag(TraceTags.Version, model.Version);
            span.SetTag(TraceTags.Rows, item.Rows);
            span.SetEndTime(end);
        }
        return span;
    }
}
