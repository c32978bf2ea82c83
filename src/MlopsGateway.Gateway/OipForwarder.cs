using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway.Internal;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace MlopsGateway.Gateway;

/// <summary>
/// The gateway's step in YARP's proxy pipeline, for every <c>/inference.GRPCInferenceService/*</c>
/// call: authenticates (API key or JWT), applies the caller's quota, reads the model and version
/// from the request bytes, picks the version from the model's route and the YARP cluster serving
/// it, rewrites the version field when the route chose one, lets YARP load-balance and forward the
/// untouched stream, retries once on another worker when the first failed before the request
/// reached it, and hands sampled requests to the shadow. Worker statuses reach the caller unchanged.
/// </summary>
public sealed partial class OipForwarder
{
    /// <summary>The most request bytes read while looking for the model name.</summary>
    public const int MaxPeekBytes = 64 * 1024;

    private static readonly string[] s_statusNames = Enumerable.Range(0, 17).Select(i => ((StatusCode)i).ToString()).ToArray();

    private readonly SnapshotCache _snapshots;
    private readonly WorkerProxyConfigProvider _config;
    private readonly IProxyStateLookup _proxyState;
    private readonly RouteSelector _selector;
    private readonly QuotaLimiter _quotas;
    private readonly JwtAuthenticator _jwt;
    private readonly ShadowDispatcher _shadow;
    private readonly GatewayOptions _options;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<OipForwarder> _logger;

    internal OipForwarder(
        SnapshotCache snapshots, WorkerProxyConfigProvider config, IProxyStateLookup proxyState, RouteSelector selector, QuotaLimiter quotas,
        JwtAuthenticator jwt, ShadowDispatcher shadow, IOptions<GatewayOptions> options, GatewayMetrics metrics, ILogger<OipForwarder> logger)
    {
        _snapshots = snapshots;
        _config = config;
        _proxyState = proxyState;
        _selector = selector;
        _quotas = quotas;
        _jwt = jwt;
        _shadow = shadow;
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>The pipeline step; <paramref name="next"/> is YARP's load balancing, passive health and forwarding.</summary>
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var started = Stopwatch.GetTimestamp();
        var method = context.Request.RouteValues["method"] as string ?? "";
        var scope = MethodScope(method);
        if (scope == Scope.Unknown)
        {
            await GrpcErrorWriter.WriteAsync(context, StatusCode.Unimplemented,
                $"The gateway does not forward '{method}'. It serves ServerLive, ServerReady, ServerMetadata, ModelReady, ModelMetadata and ModelInfer; repository rpcs (RepositoryIndex, RepositoryModelLoad, RepositoryModelUnload) are an operator's and ModelStreamInfer streams are not routed: both are served by each worker directly.")
                .ConfigureAwait(false);
            return;
        }

        var snapshot = _snapshots.Current;
        var caller = await AuthenticateAsync(context, method, snapshot).ConfigureAwait(false);
        if (caller is null)
        {
            return;
        }
        context.Items[GatewayHeaders.KeyIdItem] = caller.Id;

        var sizeLimit = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeLimit is { IsReadOnly: false })
        {
            sizeLimit.MaxRequestBodySize = _options.MaxRequestBodySize + GrpcRequestPeek.HeaderLength;
            // YARP lifts the limit for anything that looks like gRPC (client streams may be long) and
            // warns when it cannot; these calls are unary and the gateway keeps its own limit, which
            // Kestrel enforces whether or not the feature stays visible.
            context.Features.Set<IHttpMaxRequestBodySizeFeature>(null);
        }

        var model = "";
        var prefix = default(RequestPrefix);
        if (scope == Scope.Model)
        {
            var (result, peeked) = await PeekAsync(context.Request.BodyReader, context.RequestAborted).ConfigureAwait(false);
            if (await RefuseRequestAsync(context, method, caller, result, peeked).ConfigureAwait(false))
            {
                return;
            }
            model = peeked.Name;
            prefix = peeked;
        }

        var retryAfter = await _quotas.TryAcquireAsync(caller, context.RequestAborted).ConfigureAwait(false);
        if (retryAfter is { } wait)
        {
            GatewayLog.QuotaRejected(_logger, method, caller.Label);
            _metrics.QuotaRejected(model);
            await GrpcErrorWriter.WriteAsync(context, StatusCode.ResourceExhausted,
                $"{caller.Label} is over its quota of {caller.RatePerSecond?.ToString(CultureInfo.InvariantCulture)} requests/s (burst {QuotaLimiter.Bucket(caller).Limit}). Retry in {Math.Max(wait.TotalSeconds, 0.001):0.###} s.",
                wait).ConfigureAwait(false);
            return;
        }

        var topology = _config.Topology;
        var decision = scope == Scope.Model ? Decide(method, snapshot, topology, prefix, context) : new RouteDecision("", RouteKind.Latest, null);
        var cluster = FindCluster(topology, model, decision.Version);
        if (cluster is null)
        {
            await GrpcErrorWriter.WriteAsync(context, StatusCode.Unavailable,
                (model.Length == 0 ? "No worker is registered with this gateway" : $"No worker is registered for model '{model}'")
                + ". The request did not run; it is safe to retry once a worker is up ('mlops workers' lists them).").ConfigureAwait(false);
            Record(context, method, model, decision, started);
            return;
        }
        context.ReassignProxyRequest(cluster);

        var body = PrepareBody(context, model, prefix, ref decision);
        var capture = decision.ShadowVersion is null
            ? null
            : new ResponseCaptureFeature(context.Features.GetRequiredFeature<IHttpResponseBodyFeature>(), _options.MaxShadowMessageBytes);
        if (capture is not null)
        {
            context.Features.Set<IHttpResponseBodyFeature>(capture);
        }

        await next().ConfigureAwait(false);
        if (context.Features.Get<IForwarderErrorFeature>() is { } failure)
        {
            await HandleFailureAsync(context, next, method, model, cluster, body, failure).ConfigureAwait(false);
        }

        var status = Record(context, method, model, decision, started);
        if (capture is not null && status == "OK")
        {
            if (!capture.Completed)
            {
                // YARP completes every gRPC answer itself; should one not be, the copy still waits for it.
                await context.Response.CompleteAsync().ConfigureAwait(false);
            }
            QueueShadow(model, decision, prefix, body, capture);
        }
        else if (capture is not null)
        {
            _metrics.ShadowDropped(model, "primary_failed");
        }
    }

    private RouteDecision Decide(string method, GatewaySnapshot snapshot, ProxyTopology topology, RequestPrefix prefix, HttpContext context)
    {
        var latest = topology.Models.TryGetValue(prefix.Name, out var clusters) ? clusters.Latest : "";
        if (method != "ModelInfer")
        {
            // Metadata and readiness go where the caller asked, or to any worker serving the model.
            return new RouteDecision(prefix.Version, prefix.Version.Length > 0 ? RouteKind.Explicit : RouteKind.Latest, null);
        }
        snapshot.Routes.TryGetValue(prefix.Name, out var route);
        var routingKey = context.Request.Headers[GatewayHeaders.RoutingKey];
        return _selector.Select(route, prefix.Version, routingKey.Count > 0 ? routingKey[0] : null, latest);
    }

    /// <summary>
    /// The cluster for <paramref name="version"/> of <paramref name="model"/>; any worker of the model
    /// when no registered worker serves that version (the worker then answers NOT_FOUND with what it
    /// serves); every worker for server calls and unknown models; null when there is none at all.
    /// </summary>
    private ClusterState? FindCluster(ProxyTopology topology, string model, string version)
    {
        if (model.Length > 0 && topology.Models.TryGetValue(model, out var clusters))
        {
            if (version.Length > 0 && clusters.Versions.TryGetValue(version, out var versionCluster)
                && _proxyState.TryGetCluster(versionCluster, out var exact) && exact.DestinationsState.AllDestinations.Count > 0)
            {
                return exact;
            }
            if (_proxyState.TryGetCluster(clusters.AnyVersion, out var any) && any.DestinationsState.AllDestinations.Count > 0)
            {
                return any;
            }
        }
        return _proxyState.TryGetCluster(ProxyTopology.AllCluster, out var all) && all.DestinationsState.AllDestinations.Count > 0 ? all : null;
    }

    /// <summary>
    /// Wraps the body for the forwarder. When the route chose a version the request did not name,
    /// or a shadow needs a copy, the model fields are written anew and the rest streamed after them.
    /// </summary>
    private ForwardedBodyStream PrepareBody(HttpContext context, string model, RequestPrefix prefix, ref RouteDecision decision)
    {
        var rewrite = decision.Kind is RouteKind.Stable or RouteKind.Canary && prefix.Version != decision.Version;
        var restLength = prefix.MessageLength - (prefix.FieldsEnd - GrpcRequestPeek.HeaderLength);
        if (decision.ShadowVersion is not null
            && (prefix.MessageLength > _options.MaxShadowMessageBytes || !_shadow.Admits(model)))
        {
            if (prefix.MessageLength > _options.MaxShadowMessageBytes)
            {
                _metrics.ShadowDropped(model, "too_large");
            }
            decision = decision with { ShadowVersion = null };
        }
        ForwardedBodyStream body;
        if (rewrite || decision.ShadowVersion is not null)
        {
            var start = GrpcRequestPeek.WritePrefix(prefix.Name, decision.Version.Length > 0 ? decision.Version : prefix.Version, restLength);
            body = new ForwardedBodyStream(context.Request.BodyReader, start, prefix.FieldsEnd,
                decision.ShadowVersion is null ? 0 : (int)restLength);
            if (context.Request.ContentLength is { } length)
            {
                // gRPC clients seldom send one, but a copied Content-Length must match the rewritten body.
                context.Request.ContentLength = length - prefix.FieldsEnd + start.Length;
            }
        }
        else
        {
            body = new ForwardedBodyStream(context.Request.BodyReader, [], 0, 0);
        }
        context.Request.Body = body;
        return body;
    }

    private async Task HandleFailureAsync(
        HttpContext context, Func<Task> next, string method, string model, ClusterState cluster, ForwardedBodyStream body, IForwarderErrorFeature failure)
    {
        var proxy = context.GetReverseProxyFeature();
        var failed = proxy.ProxiedDestination;
        var error = failure.Error;
        // Nothing of the body was read, so nothing reached the worker: it cannot have run the request.
        var untouched = !body.Started && !context.Response.HasStarted && error != ForwarderError.RequestCanceled
            && !context.RequestAborted.IsCancellationRequested;
        var others = cluster.DestinationsState.AvailableDestinations.Where(d => !ReferenceEquals(d, failed)).ToArray();
        if (others.Length == 0 && !ReferenceEquals(cluster.DestinationsState.AllDestinations, cluster.DestinationsState.AvailableDestinations))
        {
            others = cluster.DestinationsState.AllDestinations.Where(d => !ReferenceEquals(d, failed)).ToArray();
        }
        _metrics.UpstreamError(model, error.ToString(), untouched && others.Length > 0);
        if (untouched && others.Length > 0)
        {
            GatewayLog.UpstreamRetried(_logger, method, model, failed?.DestinationId ?? "?", error.ToString());
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.Clear();
            proxy.AvailableDestinations = others;
            await next().ConfigureAwait(false);
            if (context.Features.Get<IForwarderErrorFeature>() is not { } second)
            {
                return;
            }
            failure = second;
            failed = proxy.ProxiedDestination;
            error = failure.Error;
            untouched = !body.Started && !context.Response.HasStarted;
            _metrics.UpstreamError(model, error.ToString(), false);
        }
        GatewayLog.UpstreamFailed(_logger, method, model, failed?.Model.Config.Address ?? "?", error.ToString(), failure.Exception);
        if (!context.Response.HasStarted)
        {
            var code = error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled ? StatusCode.Cancelled : StatusCode.Unavailable;
            await GrpcErrorWriter.WriteAsync(context, code, untouched
                ? $"No worker {For(model)}could be reached ({error}). The request did not run; it is safe to retry."
                : $"The worker {For(model)}failed while the request was in flight ({error}); it may have run.").ConfigureAwait(false);
        }
    }

    private static string For(string model) => model.Length == 0 ? "" : $"for model '{model}' ";

    /// <summary>Hands a copy to the shadow once the caller has the primary's whole answer, trailers included.</summary>
    private void QueueShadow(string model, RouteDecision decision, RequestPrefix prefix, ForwardedBodyStream body, ResponseCaptureFeature capture)
    {
        if (body.Captured is not { } rest || capture.Capture.Captured is not { } answer)
        {
            _metrics.ShadowDropped(model, "too_large");
            return;
        }
        var primary = decision.Version.Length > 0 ? decision.Version : prefix.Version;
        _shadow.Dispatch(model, primary, decision.ShadowVersion!, rest.Span, answer);
    }

    private string Record(HttpContext context, string method, string model, RouteDecision decision, long started)
    {
        var status = Status(context);
        _metrics.RequestCompleted(method, model, decision.Version, Decision(decision.Kind), status, Stopwatch.GetElapsedTime(started));
        return status;
    }

    private static string Decision(RouteKind kind) => kind switch
    {
        RouteKind.Explicit => "explicit",
        RouteKind.Stable => "stable",
        RouteKind.Canary => "canary",
        _ => "latest",
    };

    private static string Status(HttpContext context)
    {
        var trailers = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        if (trailers is not null && trailers.TryGetValue("grpc-status", out var trailer))
        {
            return StatusName(trailer);
        }
        if (context.Response.Headers.TryGetValue("grpc-status", out var header))
        {
            return StatusName(header);
        }
        return "Unknown";
    }

    private static string StatusName(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code < s_statusNames.Length ? s_statusNames[code] : "Unknown";

    /// <summary>
    /// Reads until the model fields are found, without consuming anything: the forwarder then sends
    /// the body from its first byte.
    /// </summary>
    private static async Task<(PeekResult Result, RequestPrefix Prefix)> PeekAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            var result = GrpcRequestPeek.TryReadPrefix(buffer, out var prefix);
            if (result != PeekResult.NeedMoreData || read.IsCompleted || read.IsCanceled || buffer.Length >= MaxPeekBytes)
            {
                reader.AdvanceTo(buffer.Start);
                return (result, prefix);
            }
            // Nothing consumed, everything examined: the next read waits for more bytes.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static Scope MethodScope(string method) => method switch
    {
        "ModelInfer" or "ModelMetadata" or "ModelReady" => Scope.Model,
        "ServerLive" or "ServerReady" or "ServerMetadata" => Scope.Server,
        _ => Scope.Unknown,
    };

    private enum Scope
    {
        Unknown,
        Server,
        Model,
    }
}
