using Microsoft.AspNetCore.Http;

namespace MlopsGateway.Gateway.Routing;

/// <summary>
/// Step 10: wraps the body for the forwarder. When the route chose a version the request did not
/// name (an alias it named included: the worker gets the version the alias names), or a shadow needs a copy, the frame header and model fields are written anew and the rest
/// streamed after them untouched (and copied aside for the shadow). For model calls the rest is
/// scanned as it streams (<see cref="FrameScanner"/>), so that no later field 1 or 2 can name another
/// model or version than the one authorised and routed.
/// </summary>
internal sealed class FrameRewriteStep
{
    public Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var request = GatewayRequest.Of(context);
        var scanner = request.Scope == MethodScope.Model
            ? new FrameScanner(request.Prefix.FieldsEnd, GrpcRequestPeek.HeaderLength + (long)request.Prefix.MessageLength)
            : FrameScanner.ForServerCall();
        request.Body = Wrap(context.Request, request.Prefix, request.Decision, scanner);
        context.Request.Body = request.Body;
        return next();
    }

    internal static ForwardedBodyStream Wrap(HttpRequest request, RequestPrefix prefix, RouteDecision decision, FrameScanner? scanner = null)
    {
        var rewrite = decision.Kind is not RouteKind.Latest && prefix.Version != decision.Version;
        if (!rewrite && decision.ShadowVersion is null)
        {
            return new ForwardedBodyStream(request.BodyReader, [], 0, 0, scanner);
        }
        var restLength = prefix.MessageLength - (prefix.FieldsEnd - GrpcRequestPeek.HeaderLength);
        var start = GrpcRequestPeek.WritePrefix(prefix.Name, decision.Version.Length > 0 ? decision.Version : prefix.Version, restLength);
        if (request.ContentLength is { } length)
        {
            // gRPC clients seldom send one, but a copied Content-Length must match the rewritten body.
            request.ContentLength = length - prefix.FieldsEnd + start.Length;
        }
        return new ForwardedBodyStream(request.BodyReader, start, prefix.FieldsEnd, decision.ShadowVersion is null ? 0 : (int)restLength, scanner);
    }
}
