using System.Buffers.Binary;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using MlopsGateway.Gateway;

namespace MlopsGateway.Tests.Gateway;

/// <summary>An in-process call for one request step: a DefaultHttpContext, and a next step that records being reached.</summary>
internal sealed class StepContext
{
    public StepContext(string method = "ModelInfer", byte[]? body = null)
    {
        Http = new DefaultHttpContext();
        Http.Request.RouteValues = new RouteValueDictionary { ["method"] = method };
        Http.Request.Body = new MemoryStream(body ?? []);
        Http.Response.Body = new MemoryStream();
    }

    public DefaultHttpContext Http { get; }

    public int NextCalls { get; private set; }

    public Task Next()
    {
        NextCalls++;
        return Task.CompletedTask;
    }

    /// <summary>The call's state as the first step would set it.</summary>
    public GatewayRequest Started(string method = "ModelInfer", MethodScope scope = MethodScope.Model)
    {
        var request = new GatewayRequest(method, scope, 0);
        Http.Features.Set(request);
        return request;
    }

    /// <summary>The gRPC status the step answered with, or null when it wrote none.</summary>
    public string? Status => Http.Response.Headers.TryGetValue("grpc-status", out var status) ? status.ToString() : null;

    public string? Message => Http.Response.Headers.TryGetValue("grpc-message", out var message) ? Uri.UnescapeDataString(message.ToString()) : null;

    /// <summary>A gRPC frame holding <paramref name="message"/>.</summary>
    public static byte[] Frame(IMessage message, byte compressed = 0)
    {
        var payload = message.ToByteArray();
        var frame = new byte[5 + payload.Length];
        frame[0] = compressed;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }
}
