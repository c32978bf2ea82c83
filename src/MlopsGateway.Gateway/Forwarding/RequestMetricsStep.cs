using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using MlopsGateway.Gateway.Routing;
using MlopsGateway.Gateway.Telemetry;
using Yarp.ReverseProxy.Forwarder;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>
/// Step 7: once the call is answered (forwarded, or refused for want of a worker), counts it and
/// records its duration by method, model, version, route decision and gRPC status; the model and
/// version as <see cref="MetricLabels"/> allows (names the gateway does not know count as "other");
/// and adds a model call of a known version to its <see cref="CallTelemetry"/>, unless the caller broke it off.
/// </summary>
internal sealed class RequestMetricsStep(GatewayMetrics metrics, MetricLabels labels, CallTelemetry telemetry)
{
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        await next().ConfigureAwait(false);
        var request = GatewayRequest.Of(context);
        var decision = request.Decision;
        var status = GrpcStatusReader.Read(context);
        var (model, version) = labels.Of(request.Model, decision.Version, request.Method == "ModelInfer" && status == GrpcStatusReader.Ok);
        var elapsed = Stopwatch.GetElapsedTime(request.Started);
        metrics.RequestCompleted(request.Method, model, version, Label(decision.Kind), status, elapsed);
        if (request.Method == "ModelInfer" && model != MetricLabels.Other && version != MetricLabels.Other && !CallerSide(context))
        {
            telemetry.Answered(model, version, CallTelemetry.CodeOf(status), elapsed);
        }
    }

    /// <summary>
    /// Whether the call failed on the caller's side (it cancelled, went away, or its body broke off):
    /// not the version's failure, so not in its telemetry. A deadline the caller set that ran out is
    /// counted: a slow version's slowest calls would otherwise vanish from its errors and its latency alike.
    /// </summary>
    internal static bool CallerSide(HttpContext context) =>
        context.RequestAborted.IsCancellationRequested
        || (context.Features.Get<IForwarderErrorFeature>() is { } failure && RetryStep.CallerSide(RetryStep.Attributed(failure, context), context));

    internal static string Label(RouteKind kind) => kind switch
    {
        RouteKind.Explicit => "explicit",
        RouteKind.Stable => "stable",
        RouteKind.Canary => "canary",
        _ => "latest",
    };
}
