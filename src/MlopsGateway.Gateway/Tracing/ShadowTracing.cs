using System.Diagnostics;
using Inference;
using MlopsGateway.Gateway.Forwarding;
using MlopsGateway.Gateway.Shadow;
using MlopsGateway.Monitoring;

namespace MlopsGateway.Gateway.Tracing;

/// <summary>
/// A shadow copy's span, from its dispatch to its outcome: a trace of its own, linked to the call it
/// copies. The copy runs after the caller has its answer, on a stream that serves many calls, so
/// under the call's spans it would hang from a finished one.
/// </summary>
internal static class ShadowTracing
{
    public const string Shadow = "shadow";

    /// <summary>The copy's span, started now; null, and nothing allocated, when nothing listens.</summary>
    public static Activity? Begin(string model, string primary, string shadow)
    {
        if (!GatewayTracing.Source.HasListeners())
        {
            return null;
        }
        var call = Activity.Current;
        Activity.Current = null;
        var span = GatewayTracing.Source.StartActivity(Shadow, ActivityKind.Internal, parentContext: default,
            links: call is null ? null : [new ActivityLink(call.Context)]);
        Activity.Current = call;
        span?.SetTag(TraceTags.Model, model);
        span?.SetTag(TraceTags.Version, primary);
        span?.SetTag(TraceTags.ShadowVersion, shadow);
        return span;
    }

    /// <summary>Ends the copy's span with the shadow's status: its answer's, or <c>error</c> for none.</summary>
    public static void End(Activity? span, ModelStreamInferResponse? answer)
    {
        if (span is null)
        {
            return;
        }
        var status = answer is null ? "error"
            : answer.ErrorMessage.Length > 0 ? GrpcStatusReader.NameOf(ShadowRecorder.StatusOf(answer.ErrorMessage))
            : GrpcStatusReader.Ok;
        span.SetTag(TraceTags.Status, status);
        if (status != GrpcStatusReader.Ok)
        {
            span.SetStatus(ActivityStatusCode.Error, status);
        }
        span.Stop();
    }
}
