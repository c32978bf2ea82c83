using Microsoft.AspNetCore.Http;
using MlopsGateway.Gateway.Shadow;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>
/// Step 9: when the route sampled a shadow version, asks the shadow room (<see cref="ShadowCopier"/>)
/// whether to copy the request; if so, the primary's answer is captured on its way to the caller,
/// and once the caller has all of it, trailers included, the copy is handed over. The caller never
/// waits for the copy.
/// </summary>
internal sealed class ShadowCopyStep(ShadowCopier shadow)
{
    public Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var request = GatewayRequest.Of(context);
        if (request.Decision.ShadowVersion is not { } version)
        {
            return next();
        }
        if (shadow.Begin(context, request.Model, version, request.Prefix.MessageLength) is not { } copy)
        {
            request.Decision = request.Decision with { ShadowVersion = null };
            return next();
        }
        return CopyAsync(context, next, request, copy);
    }

    private static async Task CopyAsync(HttpContext context, Func<Task> next, GatewayRequest request, ShadowCopy copy)
    {
        await next().ConfigureAwait(false);
        await copy.SendAsync(GrpcStatusReader.Read(context) == GrpcStatusReader.Ok, request.PrimaryVersion, request.Body?.Captured).ConfigureAwait(false);
    }
}
