using Grpc.Core;
using Microsoft.AspNetCore.Http;
using MlopsGateway.Registry;

namespace MlopsGateway.Gateway.Auth;

/// <summary>
/// Step 5: refuses, with PERMISSION_DENIED, a caller without the <c>infer</c> scope (every protocol
/// call needs it) or not allowed the model it names.
/// </summary>
internal sealed class ModelAccessStep(AuthRefusal refusal)
{
    public Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var request = GatewayRequest.Of(context);
        var caller = request.Caller!;
        if (!caller.HasScope(KeyScopes.Infer))
        {
            return refusal.WriteAsync(context, request.Method, StatusCode.PermissionDenied, caller.LacksScope(KeyScopes.Infer, request.Method));
        }
        if (request.Scope != MethodScope.Model || caller.Allows(request.Model))
        {
            return next();
        }
        return refusal.WriteAsync(context, request.Method, StatusCode.PermissionDenied,
            $"{caller.Label} may not call model '{request.Model}'. It may call: {(caller.Models.Count == 0 ? "no models" : string.Join(", ", caller.Models))}.");
    }
}
