using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using MlopsGateway.Gateway.Routing;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>
/// Step 7: once the call is answered (forwarded, or refused for want of a worker), counts it and
/// records its duration by method, model, version, route decision and gRPC status.
/// </summary>
internal sealed class RequestMetricsStep(GatewayMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        await next().ConfigureAwait(false);
        var request = GatewayRequest.Of(context);
        var decision = request.Decision;
        metrics.RequestCompleted(request.Method, request.Model, decision.Version, Label(decision.Kind), GrpcStatusReader.Read(context),
            Stopwatch.GetElapsedTime(request.Started));
    }

    internal static string Label(RouteKind kind) => kind switch
    {
        RouteKind.Explicit => "explicit",
        RouteKind.Stable => "stable",
        RouteKind.Canary => "canary",
        _ => "latest",
    };
}
