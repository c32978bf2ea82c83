using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using MlopsGateway.Gateway.Routing;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>
/// Step 7: once the call is answered (forwarded, or refused for want of a worker), counts it and
/// records its duration by method, model, version, route decision and gRPC status; the model and
/// version as <see cref="MetricLabels"/> allows (names the gateway does not know count as "other").
/// </summary>
internal sealed class RequestMetricsStep(GatewayMetrics metrics, MetricLabels labels)
{
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        await next().ConfigureAwait(false);
        var request = GatewayRequest.Of(context);
        var decision = request.Decision;
        var status = GrpcStatusReader.Read(context);
        var (model, version) = labels.Of(request.Model, decision.Version, request.Method == "ModelInfer" && status == GrpcStatusReader.Ok);
        metrics.RequestCompleted(request.Method, model, version, Label(decision.Kind), status, Stopwatch.GetElapsedTime(request.Started));
    }

    internal static string Label(RouteKind kind) => kind switch
    {
        RouteKind.Explicit => "explicit",
        RouteKind.Stable => "stable",
        RouteKind.Canary => "canary",
        _ => "latest",
    };
}
