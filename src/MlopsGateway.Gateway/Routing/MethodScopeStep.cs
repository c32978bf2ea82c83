using System.Diagnostics;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using MlopsGateway.Gateway.Forwarding;

namespace MlopsGateway.Gateway.Routing;

/// <summary>
/// Step 1: refuses methods the gateway does not forward (UNIMPLEMENTED; forwarded are the protocol's
/// unary calls and mlops.v1.Explain) and starts the call's
/// <see cref="GatewayRequest"/>, which the later steps fill in.
/// </summary>
internal sealed class MethodScopeStep
{
    /// <summary>mlops.v1.Explain's one method; a model call, routed as ModelInfer is but never to a canary by chance.</summary>
    public const string Explain = "Explain";

    public const string Unforwarded =
        "It serves ServerLive, ServerReady, ServerMetadata, ModelReady, ModelMetadata, ModelInfer and mlops.v1.Explain/Explain; repository rpcs (RepositoryIndex, RepositoryModelLoad, RepositoryModelUnload) are an operator's and ModelStreamInfer streams are not routed: both are served by each worker directly.";

    public Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var started = Stopwatch.GetTimestamp();
        var method = context.Request.RouteValues["method"] as string ?? "";
        var explain = context.Request.Path.StartsWithSegments(Discovery.TopologyBuilder.ExplainService.TrimEnd('/'), StringComparison.Ordinal);
        var scope = explain ? (method == Explain ? MethodScope.Model : MethodScope.Unknown) : ScopeOf(method);
        if (scope == MethodScope.Unknown)
        {
            return GrpcErrorWriter.WriteAsync(context, StatusCode.Unimplemented, $"The gateway does not forward '{method}'. {Unforwarded}");
        }
        context.Features.Set(new GatewayRequest(method, scope, started));
        return next();
    }

    public static MethodScope ScopeOf(string method) => method switch
    {
        "ModelInfer" or "ModelMetadata" or "ModelReady" => MethodScope.Model,
        "ServerLive" or "ServerReady" or "ServerMetadata" => MethodScope.Server,
        _ => MethodScope.Unknown,
    };
}
