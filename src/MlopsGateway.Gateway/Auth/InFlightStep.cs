using System.Globalization;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using MlopsGateway.Gateway.Forwarding;

namespace MlopsGateway.Gateway.Auth;

/// <summary>
/// Step 6b: for a caller with a limit of requests in flight (<see cref="CallerIdentity.MaxInFlight"/>),
/// holds one of its places until the call is answered, or refuses the call with RESOURCE_EXHAUSTED
/// when every place is taken. Synchronous, and free, for callers without a limit.
/// </summary>
internal sealed class InFlightStep(InFlightLimiter limiter, GatewayMetrics metrics, MetricLabels labels, ILogger<InFlightStep> logger)
{
    public Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var request = GatewayRequest.Of(context);
        var caller = request.Caller!;
        if (caller.MaxInFlight is not { } limit)
        {
            return next();
        }
        if (limiter.TryAcquire(caller) is not { } lease)
        {
            GatewayLog.QuotaRejected(logger, request.Method, caller.Label);
            metrics.QuotaRejected(labels.Model(request.Model));
            return GrpcErrorWriter.WriteAsync(context, StatusCode.ResourceExhausted,
                string.Create(CultureInfo.InvariantCulture,
                    $"{caller.Label} already has {limit} requests in flight, its limit. Retry once one of them is answered."));
        }
        return HoldAsync(next, lease);
    }

    private static async Task HoldAsync(Func<Task> next, IDisposable lease)
    {
        using (lease)
        {
            await next().ConfigureAwait(false);
        }
    }
}
