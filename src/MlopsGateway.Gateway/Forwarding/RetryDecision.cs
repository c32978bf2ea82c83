using Yarp.ReverseProxy.Forwarder;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>Why a failed call is sent once more, to another worker; <see cref="None"/>: it is not.</summary>
internal enum RetryReason
{
    None,

    /// <summary>The worker failed before any of the body was read: nothing reached it, nothing ran.</summary>
    Unsent,

    /// <summary>
    /// The worker's connection or stream died with the request in flight, before anything of its
    /// answer reached the caller: it may have run, and inference is idempotent, so the kept body is
    /// sent again.
    /// </summary>
    Reset,
}

/// <summary>What is known of a call when its first attempt failed, and the rule for retrying it.</summary>
/// <param name="Error">YARP's error for the attempt.</param>
/// <param name="BodyStarted">Whether the forwarder read any of the body.</param>
/// <param name="Replayable">Whether every byte read is kept, so the body can be sent again.</param>
/// <param name="ResponseStarted">Whether anything of the answer has gone to the caller.</param>
/// <param name="CallerGone">Whether the caller cancelled or went away.</param>
/// <param name="OtherWorkers">Workers of the call's cluster other than the one that failed.</param>
/// <param name="Remaining">What is left of the caller's deadline (<c>grpc-timeout</c>); null: it set none.</param>
/// <param name="RetryOnReset">Whether calls may be sent again after a reset (<see cref="GatewayOptions.RetryOnReset"/>).</param>
internal readonly record struct RetryDecision(
    ForwarderError Error, bool BodyStarted, bool Replayable, bool ResponseStarted, bool CallerGone, int OtherWorkers, TimeSpan? Remaining, bool RetryOnReset)
{
    /// <summary>
    /// Once, on another worker, only while the caller has received nothing and is still waiting
    /// within its deadline: before the body was read (any error but the caller's cancellation), or
    /// after the worker's connection or stream broke (a reset, an end of stream, a refused
    /// connection: not a timeout, which a slow worker would also give, and never a gRPC status,
    /// which is an answer) when the body was kept whole.
    /// </summary>
    public RetryReason Decide()
    {
        if (ResponseStarted || CallerGone || OtherWorkers == 0 || Remaining <= TimeSpan.Zero
            || Error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled)
        {
            return RetryReason.None;
        }
        if (!BodyStarted)
        {
            return RetryReason.Unsent;
        }
        return RetryOnReset && Replayable && IsReset(Error) ? RetryReason.Reset : RetryReason.None;
    }

    /// <summary>Errors of the worker's side of the connection: sending to it, or reading its answer.</summary>
    internal static bool IsReset(ForwarderError error) =>
        error is ForwarderError.Request or ForwarderError.RequestBodyDestination or ForwarderError.ResponseBodyDestination;

    /// <summary>The reason as a metric label.</summary>
    public static string Label(RetryReason reason) => reason switch
    {
        RetryReason.Unsent => "unsent",
        RetryReason.Reset => "reset",
        _ => "none",
    };
}
