using System.Globalization;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using MlopsGateway.Gateway.Forwarding;

namespace MlopsGateway.Gateway.Auth;

/// <summary>
/// Step 6: takes a token from the caller's quota, or refuses the call with RESOURCE_EXHAUSTED and
/// when to retry (<c>grpc-retry-pushback-ms</c>). Synchronous unless quotas are shared in Redis.
/// </summary>
internal sealed class QuotaStep(QuotaLimiter quotas, GatewayMetrics metrics, MetricLabels labels, ILogger<QuotaStep> logger)
{
    public Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var request = GatewayRequest.Of(context);
        var pending = quotas.TryAcquireAsync(request.Caller!, context.RequestAborted);
        if (!pending.IsCompletedSuccessfully)
        {
            return AwaitQuotaAsync(context, next, request, pending);
        }
        return pending.Result is { } wait ? RefuseAsync(context, request, wait) : next();
    }

    private async Task AwaitQuotaAsync(HttpContext context, Func<Task> next, GatewayRequest request, ValueTask<TimeSpan?> pending)
    {
        if (await pending.ConfigureAwait(false) is { } wait)
        {
            await RefuseAsync(context, request, wait).ConfigureAwait(false);
            return;
        }
        await next().ConfigureAwait(false);
    }

    private Task RefuseAsync(HttpContext context, GatewayRequest request, TimeSpan wait)
    {
        var caller = request.Caller!;
        GatewayLog.QuotaRejected(logger, request.Method, caller.Label);
        metrics.QuotaRejected(labels.Model(request.Model));
        return GrpcErrorWriter.WriteAsync(context, StatusCode.ResourceExhausted,
            $"{caller.Label} is over its quota of {caller.RatePerSecond?.ToString(CultureInfo.InvariantCulture)} requests/s (burst {QuotaLimiter.Bucket(caller).Limit}). Retry in {Math.Max(wait.TotalSeconds, 0.001):0.###} s.",
            wait);
    }
}
