using System.IO.Pipelines;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway.Forwarding;

namespace MlopsGateway.Gateway.Routing;

/// <summary>
/// Step 4 (model calls): reads the model name and version from the first bytes of the body without
/// consuming them (the forwarder sends the body from its first byte), and refuses what cannot be
/// forwarded: compressed or malformed messages, messages over the size limit, no model name.
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
            var result = GrpcRequestPeek.TryReadPrefix(read.Buffer, out var prefix);
            if (result != PeekResult.NeedMoreData || read.IsCompleted || read.IsCanceled || read.Buffer.Length >= MaxPeekBytes)
            {
                reader.AdvanceTo(read.Buffer.Start);
                return Continue(context, next, request, result, prefix);
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
            var result = GrpcRequestPeek.TryReadPrefix(buffer, out var prefix);
            if (result != PeekResult.NeedMoreData || read.IsCompleted || read.IsCanceled || buffer.Length >= MaxPeekBytes)
            {
                reader.AdvanceTo(buffer.Start);
                await Continue(context, next, request, result, prefix).ConfigureAwait(false);
                return;
            }
            // Nothing consumed, everything examined: the next read waits for more bytes.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private Task Continue(HttpContext context, Func<Task> next, GatewayRequest request, PeekResult result, RequestPrefix prefix)
    {
        switch (result)
        {
            case PeekResult.Compressed:
                return GrpcErrorWriter.WriteAsync(context, StatusCode.Unimplemented,
                    "The gateway cannot read compressed requests; send requests uncompressed (responses may still be compressed).");
            case PeekResult.Malformed or PeekResult.NeedMoreData:
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
}
