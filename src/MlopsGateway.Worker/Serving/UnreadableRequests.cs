using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace MlopsGateway.Worker.Serving;

/// <summary>
/// Answers a request the worker could not parse with INVALID_ARGUMENT. grpc-dotnet deserialises a
/// unary request before any interceptor or handler runs and answers its parser's exception with
/// UNKNOWN, which tells a caller nothing about its mistake. As an interceptor this marks every call
/// whose request was read; its middleware turns an UNKNOWN answer to an unmarked call (a
/// trailers-only answer, so its status is still in the headers) into INVALID_ARGUMENT.
/// </summary>
internal sealed class UnreadableRequests : Interceptor
{
    private static readonly object s_requestRead = new();

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        MarkRead(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        MarkRead(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        MarkRead(context);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        MarkRead(context);
        return continuation(requestStream, responseStream, context);
    }

    private static void MarkRead(ServerCallContext context) => context.GetHttpContext().Items[s_requestRead] = true;

    private static Task Rewrite(object state)
    {
        var context = (HttpContext)state;
        var headers = context.Response.Headers;
        if (headers["grpc-status"] == "2" && !context.Items.ContainsKey(s_requestRead))
        {
            var method = context.Request.Path.Value is { } path ? path[(path.LastIndexOf('/') + 1)..] : "";
            headers["grpc-status"] = "3";
            headers["grpc-message"] = $"The {method} request is not a valid protocol message: the worker could not parse its fields "
                + "(a tensor, output or parameter is not well-formed protobuf).";
        }
        return Task.CompletedTask;
    }

    /// <summary>Puts the middleware first in the worker's pipeline.</summary>
    internal sealed class StartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextStep) =>
            {
                if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
                {
                    context.Response.OnStarting(Rewrite, context);
                }
                return nextStep(context);
            });
            next(app);
        };
    }
}
