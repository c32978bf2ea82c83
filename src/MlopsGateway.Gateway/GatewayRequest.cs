using Microsoft.AspNetCore.Http;
using MlopsGateway.Gateway.Auth;
using MlopsGateway.Gateway.Routing;
using MlopsGateway.Registry.Feedback;
using Yarp.ReverseProxy.Model;

namespace MlopsGateway.Gateway;

/// <summary>
/// What the request path's steps learn about one call, handed from step to step as a feature of
/// its <c>HttpContext</c>: one object per call, set by the first step (<see cref="Routing.MethodScopeStep"/>).
/// </summary>
internal sealed class GatewayRequest
{
    public GatewayRequest(string method, MethodScope scope, long started)
    {
        Method = method;
        Scope = scope;
        Started = started;
    }

    /// <summary>The call's state; the steps after the first may rely on it.</summary>
    public static GatewayRequest Of(HttpContext context) =>
        context.Features.Get<GatewayRequest>() ?? throw new InvalidOperationException("MethodScopeStep, the request path's first step, did not run.");

    /// <summary>The protocol method, e.g. <c>ModelInfer</c>.</summary>
    public string Method { get; }

    public MethodScope Scope { get; }

    /// <summary>When the call arrived (<see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long Started { get; }

    /// <summary>Who is calling, once authenticated.</summary>
    public CallerIdentity? Caller { get; set; }

    /// <summary>The model fields read from the body (model calls only).</summary>
    public RequestPrefix Prefix { get; set; }

    /// <summary>The model called; "" for server calls.</summary>
    public string Model => Prefix.Name ?? "";

    /// <summary>Where the call goes; set by <see cref="Routing.RouteStep"/>.</summary>
    public RouteDecision Decision { get; set; } = new("", RouteKind.Latest, null);

    /// <summary>The cluster the call was given to.</summary>
    public ClusterState? Cluster { get; set; }

    /// <summary>The body as the forwarder reads it; set by <see cref="Routing.FrameRewriteStep"/>.</summary>
    public ForwardedBodyStream? Body { get; set; }

    /// <summary>The version the primary serves: the routed one, else the one the request named.</summary>
    public string PrimaryVersion => Decision.Version.Length > 0 ? Decision.Version : Prefix.Version ?? "";

    /// <summary>
    /// The call's id for workers (<see cref="Contracts.WorkerHeaders.CallId"/>), made on first use and
    /// kept, so that a retry sends the same one. Made the way workers make theirs, so that the records
    /// of consecutive calls share a block (<see cref="PredictionIds"/>).
    /// </summary>
    public string CallId => _callId ??= PredictionIds.New(DateTimeOffset.UtcNow);

    private string? _callId;

    /// <summary>Set by the response transform when the worker's answer was marked draining.</summary>
    public bool WorkerDraining { get; set; }
}

/// <summary>Which methods the gateway forwards, and whether they name a model.</summary>
internal enum MethodScope
{
    Unknown,
    Server,
    Model,
}
