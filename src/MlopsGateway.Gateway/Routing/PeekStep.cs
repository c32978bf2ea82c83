using System.IO.Pipelines;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway.Forwarding;

namespace MlopsGateway.Gateway.Routing;

/// <summary>
/// Step 4 (model calls): reads the model name and version from the first bytes of the body without
/// consuming them (the forwarder sends the body from its first byte), and refuses what cannot be
/// forwarded: compressed or malformed messages (INVALID_ARGUMENT naming what could not be read),
/// messages over the size limit, no model name. The rest of the message is checked as it is
/// forwarded (<see cref="FrameScanner"/>, set up by <see cref="FrameRewriteStep"/>).
/// </summary>
internal sealed class PeekStep(IOptions<GatewayOptions> options)
{
    /// <summary>The most request bytes read while looking for the model name.</summary>
    public const int MaxPeekBytes = 64 * 1024;

    private readonly long _maxMessage = options.Value.MaxRequestBodySize;

    public Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var request = GatewayRequest.Of(context);
        if (request.Scope != MethodScope.Model)
        {
            return next();
        }
        var reader = context.Request.BodyReader;
        // Fast path: the whole prefix has usually arrived with the headers.
        if (reader.TryRead(out var read))
        {
            var result = GrpcRequestPeek.TryReadPrefix(read.Buffer, out var prefix, out var fault);
            if (result != PeekResult.NeedMoreData || read.IsCompleted || read.IsCanceled || read.Buffer.Length >= MaxPeekBytes)
            {
                reader.AdvanceTo(read.Buffer.Start);
                return Continue(context, next, request, result, prefix, fault);
            }
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
        return PeekSlowlyAsync(context, next, request, reader);
    }

    private async Task PeekSlowlyAsync(HttpContext context, Func<Task> next, GatewayRequest request, PipeReader reader)
    {
        while (true)
        {
            var read = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
            var buffer = read.Buffer;
            var result = GrpcRequestPeek.TryReadPrefix(buffer, out var prefix, out var fault);
            if (result != PeekResult.NeedMoreData || read.IsCompleted || read.IsCanceled || buffer.Length >= MaxPeekBytes)
            {
                reader.AdvanceTo(buffer.Start);
                await Continue(context, next, request, result, prefix, fault).ConfigureAwait(false);
                return;
            }
            // Nothing consumed, everything examined: the next read waits for more bytes.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private Task Continue(HttpContext context, Func<Task> next, GatewayRequest request, PeekResult result, RequestPrefix prefix, string fault)
    {
        switch (result)
        {
            case PeekResult.Compressed when !DeclaresEncoding(context.Request):
                // A frame marked compressed with no grpc-encoding to inflate it is the caller's mistake.
                return GrpcErrorWriter.WriteAsync(context, StatusCode.InvalidArgument,
                    $"The {request.Method} request's frame is marked compressed but the call declares no grpc-encoding.");
            case PeekResult.Compressed:
                return GrpcErrorWriter.WriteAsync(context, StatusCode.Unimplemented,
                    "The gateway cannot read compressed requests; send requests uncompressed (responses may still be compressed).");
            case PeekResult.Malformed:
                return GrpcErrorWriter.WriteAsync(context, StatusCode.InvalidArgument,
                    $"The {request.Method} request is not a valid protocol message: {fault}.");
            case PeekResult.NeedMoreData:
                return GrpcErrorWriter.WriteAsync(context, StatusCode.InvalidArgument,
                    $"The {request.Method} request is not a valid protocol message: the model name could not be read.");
        }
        if (prefix.MessageLength > _maxMessage)
        {
            return GrpcErrorWriter.WriteAsync(context, StatusCode.ResourceExhausted,
                $"The request is {prefix.MessageLength} bytes; this gateway accepts at most {_maxMessage}. Send fewer rows per request.");
        }
        if (prefix.Name.Length == 0)
        {
            return GrpcErrorWriter.WriteAsync(context, StatusCode.InvalidArgument, "The request names no model: set the model name.");
        }
        request.Prefix = prefix;
        return next();
    }

    private static bool DeclaresEncoding(HttpRequest request) =>
        request.Headers["grpc-encoding"] is { Count: > 0 } encoding && !string.Equals(encoding[0], "identity", StringComparison.Ordinal);
}
