using System.Globalization;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>Answers a gRPC call with a status and no message ("trailers-only"), as a gRPC server would.</summary>
internal static class GrpcErrorWriter
{
    /// <summary>
    /// Writes <paramref name="code"/> and <paramref name="message"/> as a trailers-only response. Call
    /// before anything of the response was sent.
    /// </summary>
    public static Task WriteAsync(HttpContext context, StatusCode code, string message) => WriteAsync(context, code, message, null);

    /// <summary>
    /// As <see cref="WriteAsync(HttpContext, StatusCode, string)"/>, telling the client when to retry
    /// (<c>grpc-retry-pushback-ms</c>, which gRPC retry policies honour) when <paramref name="retryAfter"/> is given.
    /// </summary>
    public static Task WriteAsync(HttpContext context, StatusCode code, string message, TimeSpan? retryAfter)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            throw new InvalidOperationException("The response has started; a gRPC status can no longer be sent as headers.");
        }
        response.Clear();
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)code).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(message);
        if (retryAfter is { } wait)
        {
            response.Headers["grpc-retry-pushback-ms"] = ((long)Math.Ceiling(wait.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
        }
        return response.CompleteAsync();
    }

    /// <summary>Percent-encodes a grpc-message value: bytes outside printable ASCII, and '%'.</summary>
    internal static string PercentEncode(string message)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(message);
        var builder = new System.Text.StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }
}
