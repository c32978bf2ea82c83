using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>
/// Step 11, around YARP's load balancing and forwarding: a body the frame scan refused part way is
/// answered INVALID_ARGUMENT with the fault (the worker's stream was reset unfinished, so nothing
/// ran); when the first worker failed before any of the body was read (so it cannot have run the
/// request), tries once more on another worker of the cluster; a failure that remains is logged,
/// counted and answered UNAVAILABLE (or CANCELLED).
/// </summary>
internal sealed class RetryStep(GatewayMetrics metrics, MetricLabels labels, ILogger<RetryStep> logger)
{
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        await next().ConfigureAwait(false);
        if (context.Features.Get<IForwarderErrorFeature>() is { } failure)
        {
            await HandleFailureAsync(context, next, GatewayRequest.Of(context), failure).ConfigureAwait(false);
        }
    }

    private async Task HandleFailureAsync(HttpContext context, Func<Task> next, GatewayRequest request, IForwarderErrorFeature failure)
    {
        if (request.Body?.Refusal is { } refusal && !context.Response.HasStarted)
        {
            // The body broke the wire rules part way; the worker's stream was reset before it ended, so nothing ran.
            context.Features.Set<IForwarderErrorFeature>(null);
            await GrpcErrorWriter.WriteAsync(context, StatusCode.InvalidArgument,
                $"The {request.Method} request is not a valid protocol message: {refusal}.").ConfigureAwait(false);
            return;
        }
        var model = request.Model;
        var body = request.Body!;
        var cluster = request.Cluster!;
        var proxy = context.GetReverseProxyFeature();
        var failed = proxy.ProxiedDestination;
        var error = failure.Error;
        // Nothing of the body was read, so nothing reached the worker: it cannot have run the request.
        var untouched = !body.Started && !context.Response.HasStarted && error != ForwarderError.RequestCanceled
            && !context.RequestAborted.IsCancellationRequested;
        var others = Others(cluster, failed);
        metrics.UpstreamError(labels.Model(model), error.ToString(), untouched && others.Length > 0);
        if (untouched && others.Length > 0)
        {
            GatewayLog.UpstreamRetried(logger, request.Method, model, failed?.DestinationId ?? "?", error.ToString());
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
            metrics.UpstreamError(labels.Model(model), error.ToString(), false);
        }
        GatewayLog.UpstreamFailed(logger, request.Method, model, failed?.Model.Config.Address ?? "?", error.ToString(), failure.Exception);
        if (!context.Response.HasStarted)
        {
            var code = error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled ? StatusCode.Cancelled : StatusCode.Unavailable;
            await GrpcErrorWriter.WriteAsync(context, code, untouched
                ? $"No worker {For(model)}could be reached ({error}). The request did not run; it is safe to retry."
                : $"The worker {For(model)}failed while the request was in flight ({error}); it may have run.").ConfigureAwait(false);
        }
    }

    /// <summary>The cluster's other available workers; its other workers at all when none is available.</summary>
    internal static DestinationState[] Others(ClusterState cluster, DestinationState? failed)
    {
        var destinations = cluster.DestinationsState;
        var others = Without(destinations.AvailableDestinations, failed);
        if (others.Length == 0 && !ReferenceEquals(destinations.AllDestinations, destinations.AvailableDestinations))
        {
            others = Without(destinations.AllDestinations, failed);
        }
        return others;
    }

    private static DestinationState[] Without(IReadOnlyList<DestinationState> destinations, DestinationState? failed)
    {
        var others = new List<DestinationState>(destinations.Count);
        foreach (var destination in destinations)
        {
            if (!ReferenceEquals(destination, failed))
            {
                others.Add(destination);
            }
        }
        return [.. others];
    }

    private static string For(string model) => model.Length == 0 ? "" : $"for model '{model}' ";
}
