using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway.Routing;

namespace MlopsGateway.Gateway.Shadow;

/// <summary>
/// The shadow room's one entry point: the request path hands it each request whose route samples a
/// shadow version, and nothing of the room reaches the caller. Two calls, in this order:
/// <list type="number">
/// <item><description>
/// <see cref="Begin"/>, before forwarding: whether this request is copied at all. It refuses (and
/// counts as dropped) a request over <see cref="GatewayOptions.MaxShadowMessageBytes"/>
/// (<c>too_large</c>), one the CPU throttle does not admit (<c>busy</c>) and one with no room in flight
/// (<c>saturated</c>); otherwise it starts capturing the primary's answer on the response and returns
/// the request's <see cref="ShadowCopy"/>. The request path must then keep the request's bytes after
/// its model fields (<see cref="RequestPrefix.FieldsEnd"/>) as they are forwarded.
/// </description></item>
/// <item><description>
/// <see cref="ShadowCopy.SendAsync"/>, once the forward is over: with whether the primary answered
/// OK, the version that answered and the request's bytes after its model fields (null when they were
/// not kept whole). It completes the caller's answer if the forwarder has not, then queues the copy.
/// </description></item>
/// </list>
/// Everything else in <c>Shadow/</c> is this room's own: the dispatcher and its per-worker streams,
/// merging, the throttle, the comparison and its metrics.
/// </summary>
internal sealed class ShadowCopier(ShadowThrottle throttle, ShadowDispatcher dispatcher, GatewayMetrics metrics, IOptions<GatewayOptions> options)
{
    private readonly int _maxBytes = options.Value.MaxShadowMessageBytes;

    /// <summary>
    /// Decides whether the request about to be forwarded is copied to <paramref name="shadowVersion"/>
    /// and, when it is, captures the primary's answer from here on. Null when it is not (counted).
    /// </summary>
    /// <param name="context">The caller's request; its response body feature is replaced by the capture.</param>
    /// <param name="model">The model.</param>
    /// <param name="shadowVersion">The version the route copies to.</param>
    /// <param name="messageLength">The request message's length, from its gRPC frame header.</param>
    public ShadowCopy? Begin(HttpContext context, string model, string shadowVersion, long messageLength)
    {
        if (messageLength > _maxBytes)
        {
            metrics.ShadowDropped(model, "too_large");
            return null;
        }
        if (!throttle.Admit())
        {
            metrics.ShadowDropped(model, "busy");
            return null;
        }
        if (!dispatcher.HasRoom(model))
        {
            return null;
        }
        var capture = new ResponseCaptureFeature(context.Features.GetRequiredFeature<IHttpResponseBodyFeature>(), _maxBytes);
        context.Features.Set<IHttpResponseBodyFeature>(capture);
        return new ShadowCopy(dispatcher, metrics, context, capture, model, shadowVersion);
    }
}
