using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Grpc.Core;

namespace MlopsGateway.LoadTest.Internal;

/// <summary>
/// Reads a unary gRPC answer without decoding its message, and gives the status Grpc.Net.Client
/// would: the HTTP status first, then the content type, then <c>grpc-status</c> from the headers
/// (a trailers-only answer) or the trailers, with exactly one message expected on OK. The bytes go
/// through a pooled buffer and are dropped; only the frame lengths are followed.
/// </summary>
internal static class GrpcAnswer
{
    private const int BufferSize = 16 * 1024;

    /// <summary>Completes on an OK answer with one message; throws <see cref="RpcException"/> otherwise.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public static async ValueTask ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new RpcException(new Status(FromHttp(response.StatusCode), $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}"));
        }
        var contentType = Header(response.Content.Headers, "Content-Type");
        if (contentType is null || !contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.Cancelled, $"Bad gRPC response. Invalid content-type value: {contentType}"));
        }
        if (StatusOf(response.Headers) is { } trailersOnly)
        {
            // Status in the headers: the server sent no message and no trailers.
            ThrowIfFailed(trailersOnly);
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize response message."));
        }

        var messages = await CountMessagesAsync(response.Content.ReadAsStream(cancellationToken), cancellationToken).ConfigureAwait(false);
        var status = StatusOf(response.TrailingHeaders)
            ?? throw new RpcException(new Status(StatusCode.Cancelled, "No grpc-status found on response."));
        ThrowIfFailed(status);
        if (messages != 1)
        {
            throw new RpcException(new Status(StatusCode.Internal, messages == 0
                ? "Failed to deserialize response message."
                : $"A unary answer carried {messages} messages."));
        }
    }

    /// <summary>The status of a call that failed below gRPC: a reset stream, a refused or broken connection.</summary>
    public static Status StatusOf(Exception exception)
    {
        var protocol = exception as HttpProtocolException ?? exception.InnerException as HttpProtocolException;
        if (protocol is not null)
        {
            // gRPC's mapping of HTTP/2 error codes (doc/PROTOCOL-HTTP2.md).
            var code = protocol.ErrorCode switch
            {
                0x7 => StatusCode.Unavailable, // REFUSED_STREAM
                0x8 => StatusCode.Cancelled, // CANCEL
                0xb => StatusCode.ResourceExhausted, // ENHANCE_YOUR_CALM
                0xc => StatusCode.PermissionDenied, // INADEQUATE_SECURITY
                _ => StatusCode.Internal,
            };
            return new Status(code, $"HTTP/2 error code {protocol.ErrorCode}: {protocol.Message}");
        }
        return new Status(StatusCode.Unavailable, $"Error starting gRPC call. {exception.GetType().Name}: {exception.Message}");
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<int> CountMessagesAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var messages = 0;
            var headerRead = 0;
            long remaining = 0;
            long length = 0;
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
            {
                var at = 0;
                while (at < read)
                {
                    if (remaining > 0)
                    {
                        var take = (int)Math.Min(remaining, read - at);
                        remaining -= take;
                        at += take;
                        messages += remaining == 0 ? 1 : 0;
                        continue;
                    }
                    // The 5-byte prefix: a compression flag (not needed to skip the message), then the big-endian length.
                    length = headerRead == 0 ? 0 : (length << 8) | buffer[at];
                    at++;
                    if (++headerRead == 5)
                    {
                        headerRead = 0;
                        remaining = length;
                        messages += length == 0 ? 1 : 0;
                    }
                }
            }
            if (headerRead != 0 || remaining != 0)
            {
                throw new RpcException(new Status(StatusCode.Internal, "The answer ended inside a message."));
            }
            return messages;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void ThrowIfFailed(Status status)
    {
        if (status.StatusCode != StatusCode.OK)
        {
            throw new RpcException(status);
        }
    }

    private static Status? StatusOf(HttpHeaders headers)
    {
        if (Header(headers, "grpc-status") is not { } value)
        {
            return null;
        }
        if (!int.TryParse(value, out var code))
        {
            return new Status(StatusCode.Unknown, $"Unexpected grpc-status value: {value}");
        }
        var message = Header(headers, "grpc-message");
        return new Status((StatusCode)code, message is null ? "" : Uri.UnescapeDataString(message));
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : null;

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
