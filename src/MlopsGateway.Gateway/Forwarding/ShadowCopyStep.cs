using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway.Internal;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>
/// Step 9: when the route sampled a shadow version and the shadow admits a copy (not too large, not
/// saturated or yielding the CPU), captures the primary's answer on its way to the caller; once the
/// caller has all of it, trailers included, hands the request and answer to the shadow. The caller
/// never waits for the copy.
/// </summary>
internal sealed class ShadowCopyStep(ShadowDispatcher shadow, GatewayMetrics metrics, IOptions<GatewayOptions> options)
{
    private readonly int _maxMessage = options.Value.MaxShadowMessageBytes;

    public Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var request = GatewayRequest.Of(context);
        var decision = request.Decision;
        if (decision.ShadowVersion is null)
        {
            return next();
        }
        if (request.Prefix.MessageLength > _maxMessage || !shadow.Admits(request.Model))
        {
            if (request.Prefix.MessageLength > _maxMessage)
            {
                metrics.ShadowDropped(request.Model, "too_large");
            }
            request.Decision = decision with { ShadowVersion = null };
            return next();
        }
        var capture = new ResponseCaptureFeature(context.Features.GetRequiredFeature<IHttpResponseBodyFeature>(), _maxMessage);
        context.Features.Set<IHttpResponseBodyFeature>(capture);
        return CopyAsync(context, next, request, capture);
    }

    private async Task CopyAsync(HttpContext context, Func<Task> next, GatewayRequest request, ResponseCaptureFeature capture)
    {
        await next().ConfigureAwait(false);
        if (GrpcStatusReader.Read(context) != GrpcStatusReader.Ok)
        {
            metrics.ShadowDropped(request.Model, "primary_failed");
            return;
        }
        if (!capture.Completed)
        {
            // YARP completes every gRPC answer itself; should one not be, the copy still waits for it.
            await context.Response.CompleteAsync().ConfigureAwait(false);
        }
        if (request.Body?.Captured is not { } rest || capture.Capture.Captured is not { } answer)
        {
            metrics.ShadowDropped(request.Model, "too_large");
            return;
        }
        shadow.Dispatch(request.Model, request.PrimaryVersion, request.Decision.ShadowVersion!, rest.Span, answer);
    }
}
