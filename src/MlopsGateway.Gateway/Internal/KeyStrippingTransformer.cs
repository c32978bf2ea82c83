using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace MlopsGateway.Gateway.Internal;

/// <summary>
/// Copies the request as YARP does, but keeps the caller's secret from the worker: the key header
/// is replaced by the key's public id.
/// </summary>
internal sealed class KeyStrippingTransformer : HttpTransformer
{
    /// <summary>Metadata the worker receives naming the calling key.</summary>
    public const string KeyIdHeader = "x-mlops-key-id";

    public override async ValueTask TransformRequestAsync(
        HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        proxyRequest.Headers.Remove(GatewayHeaders.ApiKey);
        proxyRequest.Headers.Remove(GatewayHeaders.Authorization);
        if (httpContext.Items[GatewayHeaders.KeyIdItem] is string keyId)
        {
            proxyRequest.Headers.TryAddWithoutValidation(KeyIdHeader, keyId);
        }
    }
}
