using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using MlopsGateway.Gateway.Forwarding;

namespace MlopsGateway.Gateway.Auth;

/// <summary>Refuses a caller: logged (without secrets), counted, and answered with a status a person can act on.</summary>
internal sealed class AuthRefusal(GatewayMetrics metrics, ILogger<AuthRefusal> logger)
{
    public Task WriteAsync(HttpContext context, string method, StatusCode code, string message)
    {
        var status = code.ToString();
        GatewayLog.AuthFailed(logger, method, status);
        metrics.AuthFailed(method, status);
        return GrpcErrorWriter.WriteAsync(context, code, message);
    }

    /// <summary>The same refusal for a service the gateway serves itself, to throw.</summary>
    public RpcException Refuse(string method, StatusCode code, string message)
    {
        var status = code.ToString();
        GatewayLog.AuthFailed(logger, method, status);
        metrics.AuthFailed(method, status);
        return new RpcException(new Status(code, message));
    }
}
