using System.Diagnostics;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway.Routing;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>
/// Step 11, around YARP's load balancing and forwarding: a body the frame scan refused part way is
/// answered INVALID_ARGUMENT with the fault (the worker's stream was reset unfinished, so nothing
/// ran). A call that failed is sent once more, to another worker of the cluster, by the rule of
/// <see cref="RetryDecision"/>: when nothing of it reached the first worker, or when the worker's
/// connection or stream died with it in flight and the body was kept (<see cref="ReplayBody"/>, up
/// to <see cref="GatewayOptions.RetryBufferLimit"/>) and nothing had reached the caller. A failure
/// that remains is logged, counted and answered UNAVAILABLE (or CANCELLED).
/// </summary>
internal sealed class RetryStep(GatewayMetrics metrics, MetricLabels labels, IOptions<GatewayOptions> options, ILogger<RetryStep> logger)
{
    private readonly bool _retryOnReset = options.Value.RetryOnReset && options.Value.RetryBufferLimit > 0;
    private readonly int _bufferLimit = options.Value.RetryBufferLimit;

    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var request = GatewayRequest.Of(context);
        var replay = Keep(context, request);
        try
        {
            await next().ConfigureAwait(false);
            if (context.Features.Get<IForwarderErrorFeature>() is { } failure)
            {
                await HandleFailureAsync(context, next, request, replay, failure).ConfigureAwait(false);
            }
        }
        finally
        {
            replay?.Dispose();
        }
    }

    /// <summary>The body, kept as it goes so that it can be sent again; null when it is not to be kept.</summary>
    private ReplayBody? Keep(HttpContext context, GatewayRequest request)
    {
        // A model call's length is known from its frame header: one over the limit is not kept at all.
        var expected = request.Scope == MethodScope.Model ? GrpcRequestPeek.HeaderLength + (long)request.Prefix.MessageLength : 0;
        if (!_retryOnReset || expected > _bufferLimit)
        {
            return null;
        }
        var replay = new ReplayBody(context.Request.Body, _bufferLimit, expected);
        context.Request.Body = replay;
        return replay;
    }

    private async Task HandleFailureAsync(HttpContext context, Func<Task> next, GatewayRequest request, ReplayBody? replay, IForwarderErrorFeature failure)
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
        var error = Attributed(failure, context);
        var others = Others(cluster, failed);
        var remaining = Remaining(context, request);
        var reason = new RetryDecision(error, body.Started, replay?.CanReplay == true, context.Response.HasStarted,
            context.RequestAborted.IsCancellationRequested, others.Length, remaining, _retryOnReset).Decide();
        // Nothing of the body was read, so nothing reached the worker: it cannot have run the request.
        var untouched = !body.Started;
        metrics.UpstreamError(labels.Model(model), error.ToString(), reason != RetryReason.None);
        if (reason != RetryReason.None)
        {
            if (reason == RetryReason.Reset)
            {
                ForwardingLog.UpstreamReplayed(logger, request.Method, model, failed?.DestinationId ?? "?", error.ToString());
                replay!.Replay();
            }
            else
            {
                GatewayLog.UpstreamRetried(logger, request.Method, model, failed?.DestinationId ?? "?", error.ToString());
            }
            metrics.UpstreamRetried(labels.Model(model), RetryDecision.Label(reason));
            if (remaining is { } left)
            {
                // The second worker gets what is left of the caller's deadline, not all of it again.
                context.Request.Headers[GrpcTimeout.Header] = GrpcTimeout.Format(left);
            }
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
            error = Attributed(failure, context);
            untouched = !body.Started;
            metrics.UpstreamError(labels.Model(model), error.ToString(), false);
        }
        else
        {
            untouched = untouched && error != ForwarderError.RequestCanceled && !context.RequestAborted.IsCancellationRequested;
        }
        if (CallerSide(error, context))
        {
            // The caller hung up or sent a broken body: no worker is at fault, so no warning that an operator would chase.
            // Exception type names only: a message could carry the caller's address or content.
            GatewayLog.CallerAbandoned(logger, request.Method, model, error.ToString(), Causes(failure.Exception));
        }
        else
        {
            GatewayLog.UpstreamFailed(logger, request.Method, model, failed?.Model.Config.Address ?? "?", error.ToString(), failure.Exception);
        }
        if (!context.Response.HasStarted)
        {
            var code = error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled ? StatusCode.Cancelled : StatusCode.Unavailable;
            await GrpcErrorWriter.WriteAsync(context, code, untouched
                ? $"No worker {For(model)}could be reached ({error}). The request did not run; it is safe to retry."
                : $"The worker {For(model)}failed while the request was in flight ({error}); it may have run.").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The failure's error, with one misattribution undone: when a worker resets the stream, the HTTP
    /// client cancels the copy of the request body, and YARP reports the cancelled read from the caller as
    /// <see cref="ForwarderError.RequestBodyClient"/> although the caller is still there. A cancelled read
    /// while the caller is connected is the worker's side breaking, so it counts as
    /// <see cref="ForwarderError.RequestBodyDestination"/> (a reset); a body that breaks the wire rules is
    /// refused before this, by its peek.
    /// </summary>
    internal static ForwarderError Attributed(IForwarderErrorFeature failure, HttpContext context) =>
        failure.Error == ForwarderError.RequestBodyClient && WorkersSide(failure.Exception)
            && !context.RequestAborted.IsCancellationRequested
            ? ForwarderError.RequestBodyDestination
            : failure.Error;

    /// <summary>
    /// A cancelled read, or the HTTP client's own failure to send to the worker, alone or as all that an
    /// <see cref="AggregateException"/> holds: when a worker dies mid-call YARP can report the cancelled
    /// body copy together with the send's <see cref="HttpRequestException"/> (seen in CI). Reading the
    /// caller's body fails with Kestrel's IO exceptions instead, which stay the caller's.
    /// </summary>
    private static bool WorkersSide(Exception? exception) => exception switch
    {
        OperationCanceledException or HttpRequestException => true,
        AggregateException { InnerExceptions.Count: > 0 } all => all.InnerExceptions.All(WorkersSide),
        _ => false,
    };

    /// <summary>
    /// The exception's type and its inner exceptions' types, outermost first, an aggregate's in brackets
    /// ("none" without one); names only, never messages.
    /// </summary>
    internal static string Causes(Exception? exception) => exception switch
    {
        null => "none",
        AggregateException all => $"{nameof(AggregateException)} [{string.Join(", ", all.InnerExceptions.Take(4).Select(Causes))}]",
        { InnerException: { } inner } => $"{exception.GetType().Name} <- {Causes(inner)}",
        _ => exception.GetType().Name,
    };

    /// <summary>Whether the forward failed on the caller's side of the gateway (it cancelled, went away, or its body broke off).</summary>
    internal static bool CallerSide(ForwarderError error, HttpContext context) =>
        error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient
            or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient
        || context.RequestAborted.IsCancellationRequested;

    /// <summary>What is left of the caller's deadline (<c>grpc-timeout</c>, from the call's arrival); null when it set none.</summary>
    private static TimeSpan? Remaining(HttpContext context, GatewayRequest request) =>
        GrpcTimeout.TryParse(context.Request.Headers[GrpcTimeout.Header], out var timeout)
            ? timeout - Stopwatch.GetElapsedTime(request.Started)
            : null;

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
