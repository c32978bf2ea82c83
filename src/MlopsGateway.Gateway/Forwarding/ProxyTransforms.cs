using MlopsGateway.Contracts;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>
/// What YARP changes on the way: workers get the caller's public id, never its secret, and no
/// X-Forwarded-*; a worker's draining mark is taken off its answer and noted for passive health.
/// </summary>
internal static class ProxyTransforms
{
    public static void Apply(TransformBuilderContext transforms)
    {
        transforms.UseDefaultForwarders = false;
        transforms.AddRequestTransform(static transform =>
        {
            var headers = transform.ProxyRequest.Headers;
            headers.Remove(GatewayHeaders.ApiKey);
            headers.Remove(GatewayHeaders.Authorization);
            if (transform.HttpContext.Features.Get<GatewayRequest>()?.Caller is { } caller)
            {
                headers.TryAddWithoutValidation(GatewayHeaders.KeyIdHeader, caller.Id);
            }
            return default;
        });
        transforms.AddResponseTransform(static transform =>
        {
            // A worker stopping cleanly marks its answers: for this gateway's passive health (DrainingWorkers), not the caller.
            if (transform.ProxyResponse is { } answer && answer.Headers.NonValidated.Contains(WorkerHeaders.Draining))
            {
                transform.HttpContext.Response.Headers.Remove(WorkerHeaders.Draining);
                if (transform.HttpContext.Features.Get<GatewayRequest>() is { } request)
                {
                    request.WorkerDraining = true;
                }
            }
            return default;
        });
    }
}
