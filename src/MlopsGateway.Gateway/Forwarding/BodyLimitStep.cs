using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway.Routing;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>Step 3: holds the request body to <see cref="GatewayOptions.MaxRequestBodySize"/> (and a frame header).</summary>
internal sealed class BodyLimitStep(IOptions<GatewayOptions> options)
{
    private readonly long _limit = options.Value.MaxRequestBodySize + GrpcRequestPeek.HeaderLength;

    public Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var sizeLimit = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeLimit is { IsReadOnly: false })
        {
            sizeLimit.MaxRequestBodySize = _limit;
            // YARP lifts the limit for anything that looks like gRPC (client streams may be long) and
            // warns when it cannot; these calls are unary and the gateway keeps its own limit, which
            // Kestrel enforces whether or not the feature stays visible.
            context.Features.Set<IHttpMaxRequestBodySizeFeature>(null);
        }
        return next();
    }
}
