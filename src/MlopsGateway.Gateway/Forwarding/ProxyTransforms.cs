using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MlopsGateway.Contracts;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>
/// What YARP changes on the way: workers get the caller's public id, never its secret, no
/// X-Forwarded-*, none of the caller's own <c>x-mlops-*</c> headers (those are the gateway's to set:
/// a caller must not name itself another key, mark its call as shadow traffic or bring a worker
/// secret), the gateway's worker secret and, on ModelInfer, the call's id (the same on a retry); a worker's draining mark is taken off its answer and
/// noted for passive health.
/// </summary>
internal static class ProxyTransforms
{
    public static void Apply(TransformBuilderContext transforms)
    {
        transforms.UseDefaultForwarders = false;
        var workerSecret = transforms.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.WorkerSecret;
        transforms.AddRequestTransform(transform =>
        {
            var headers = transform.ProxyRequest.Headers;
            headers.Remove(GatewayHeaders.ApiKey);
            headers.Remove(GatewayHeaders.Authorization);
            DropInternal(headers);
            if (transform.HttpContext.Features.Get<GatewayRequest>() is { } request)
            {
                if (request.Caller is { } caller)
                {
                    headers.TryAddWithoutValidation(GatewayHeaders.KeyIdHeader, caller.Id);
                }
                if (request.Method == "ModelInfer")
                {
                    // The same id on a retry: a request without one is recorded under it, once.
                    headers.TryAddWithoutValidation(WorkerHeaders.CallId, request.CallId);
                }
            }
            if (workerSecret is not null)
            {
                headers.TryAddWithoutValidation(WorkerHeaders.WorkerSecret, workerSecret);
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

    /// <summary>
    /// Removes every header that begins <c>x-mlops-</c> from <paramref name="headers"/>, the caller's as
    /// copied; a call with none costs one pass over them and no allocation.
    /// </summary>
    internal static void DropInternal(HttpHeaders headers)
    {
        List<string>? internalNames = null;
        foreach (var header in headers.NonValidated)
        {
            if (header.Key.StartsWith(WorkerHeaders.Prefix, StringComparison.OrdinalIgnoreCase))
            {
                (internalNames ??= []).Add(header.Key);
            }
        }
        foreach (var name in internalNames ?? [])
        {
            headers.Remove(name);
        }
    }
}
