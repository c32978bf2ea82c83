using System.Net;
using Grpc.Core;
using MlopsGateway.LoadTest.Http2;

namespace MlopsGateway.LoadTest.Internal;

/// <summary>
/// Judges a unary gRPC answer from what was read of it, and gives the status Grpc.Net.Client would:
/// the HTTP status first, then the content type, then <c>grpc-status</c> from the headers (a
/// trailers-only answer) or the trailers, with exactly one message expected on OK. Also gRPC's
/// mapping of a reset stream and a lost connection, so the load clients count failures alike.
/// </summary>
internal static class GrpcAnswer
{
    /// <summary>The status of a call whose own deadline passed before its answer.</summary>
    public static Status DeadlineExceeded { get; } = new(StatusCode.DeadlineExceeded, "Deadline Exceeded");

    /// <summary>Null when the answer is OK with one message; otherwise the status the call fails with.</summary>
    /// <param name="httpStatus">The <c>:status</c> of the headers (0 when there was none).</param>
    /// <param name="contentType">The content type; null when there was none.</param>
    /// <param name="headerStatus">The status found in the headers: the answer is trailers-only.</param>
    /// <param name="framesComplete">Whether the body ended between messages.</param>
    /// <param name="trailerStatus">The status found in the trailers.</param>
    /// <param name="messages">How many messages the body carried.</param>
    public static Status? Judge(int httpStatus, string? contentType, Status? headerStatus, bool framesComplete, Status? trailerStatus, int messages)
    {
        if (httpStatus != 200)
        {
            return new Status(FromHttp((HttpStatusCode)httpStatus), $"Bad gRPC response. HTTP status code: {httpStatus}");
        }
        if (contentType is null || !contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            return new Status(StatusCode.Cancelled, $"Bad gRPC response. Invalid content-type value: {contentType}");
        }
        if (headerStatus is { } trailersOnly)
        {
            // Status in the headers: the server sent no message and no trailers.
            return trailersOnly.StatusCode != StatusCode.OK ? trailersOnly : new Status(StatusCode.Internal, "Failed to deserialize response message.");
        }
        if (!framesComplete)
        {
            return new Status(StatusCode.Internal, "The answer ended inside a message.");
        }
        if (trailerStatus is not { } status)
        {
            return new Status(StatusCode.Cancelled, "No grpc-status found on response.");
        }
        if (status.StatusCode != StatusCode.OK)
        {
            return status;
        }
        return messages == 1 ? null : new Status(StatusCode.Internal, messages == 0
            ? "Failed to deserialize response message."
            : $"A unary answer carried {messages} messages.");
    }

    /// <summary>The status from <c>grpc-status</c> and <c>grpc-message</c> (percent-encoded) as they came.</summary>
    public static Status StatusOf(string grpcStatus, string? grpcMessage) => int.TryParse(grpcStatus, out var code)
        ? new Status((StatusCode)code, grpcMessage is null ? "" : Uri.UnescapeDataString(grpcMessage))
        : new Status(StatusCode.Unknown, $"Unexpected grpc-status value: {grpcStatus}");

    /// <summary>The status of a stream the server reset: gRPC's mapping of HTTP/2 error codes (doc/PROTOCOL-HTTP2.md).</summary>
    public static Status OfReset(uint errorCode)
    {
        var code = errorCode switch
        {
            0x7 => StatusCode.Unavailable, // REFUSED_STREAM
            0x8 => StatusCode.Cancelled, // CANCEL
            0xb => StatusCode.ResourceExhausted, // ENHANCE_YOUR_CALM
            0xc => StatusCode.PermissionDenied, // INADEQUATE_SECURITY
            _ => StatusCode.Internal,
        };
        return new Status(code, $"The server reset the stream (HTTP/2 error code {Http2Protocol.ErrorName(errorCode)}).");
    }

    /// <summary>The status of a call that never reached a server: the connection could not be opened.</summary>
    public static Status NotStarted(Exception exception) =>
        new(StatusCode.Unavailable, $"Error starting gRPC call. {exception.GetType().Name}: {exception.Message}");

    // gRPC's mapping of HTTP statuses for answers that are not gRPC (doc/http-grpc-status-mapping.md).
    private static StatusCode FromHttp(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => StatusCode.Internal,
        HttpStatusCode.Unauthorized => StatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
        HttpStatusCode.NotFound => StatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
            => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };
}
