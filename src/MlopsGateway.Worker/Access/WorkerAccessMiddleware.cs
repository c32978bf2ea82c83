using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Contracts;
using MlopsGateway.Monitoring;

namespace MlopsGateway.Worker.Access;

/// <summary>
/// The worker's door: every rpc but grpc.health.v1 needs the worker secret (or the admin secret),
/// the repository rpcs the admin secret, before anything of the request is read or parsed; probes
/// (<c>/healthz</c>, grpc.health.v1) and Prometheus scrapes stay open. A refusal is a gRPC status
/// in trailers-only form: UNAUTHENTICATED without a valid credential, PERMISSION_DENIED for a gateway's
/// credential on a repository rpc.
/// </summary>
internal sealed class WorkerAccessMiddleware
{
    private const string HealthService = "/grpc.health.v1.Health/";
    private const string RepositoryPrefix = "/inference.GRPCInferenceService/Repository";

    private readonly RequestDelegate _next;
    private readonly SecretSet _workers;
    private readonly SecretSet _admins;
    private readonly bool _open;
    private readonly ILogger<WorkerAccessMiddleware> _logger;

    public WorkerAccessMiddleware(RequestDelegate next, IOptions<WorkerOptions> options, ILogger<WorkerAccessMiddleware> logger)
    {
        _next = next;
        _logger = logger;
        _workers = new SecretSet(options.Value.WorkerSecrets);
        _admins = new SecretSet(options.Value.AdminSecrets);
        _open = _workers.IsEmpty && _admins.IsEmpty;
        if (_workers.IsEmpty)
        {
            AccessLog.WorkerOpen(logger, _admins.IsEmpty ? " and load or unload them" : "");
        }
    }

    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (_open || IsOpen(path))
        {
            return _next(context);
        }
        var headers = context.Request.Headers;
        var admin = _admins.Matches(Single(headers, WorkerHeaders.AdminSecret));
        if (!path.StartsWith(RepositoryPrefix, StringComparison.Ordinal))
        {
            return admin || _workers.IsEmpty || _workers.Matches(Single(headers, WorkerHeaders.WorkerSecret))
                ? _next(context)
                : RefuseAsync(context, path, StatusCode.Unauthenticated,
                    $"This worker answers only its gateways: send its worker secret as '{WorkerHeaders.WorkerSecret}' metadata (the secret in the gateways' --worker-secret-file or MLOPS_WORKER_SECRET).");
        }
        if (admin)
        {
            return _next(context);
        }
        var why = _admins.IsEmpty
            ? "this worker has no admin secret, so they are refused to every caller; start it with --admin-secret-file or MLOPS_ADMIN_SECRET."
            : $"send it as '{WorkerHeaders.AdminSecret}' metadata (mlops models --admin-secret-file or MLOPS_ADMIN_SECRET).";
        // A gateway's credential is known but not enough: the repository belongs to the operator.
        var gateway = _workers.Matches(Single(headers, WorkerHeaders.WorkerSecret));
        return RefuseAsync(context, path, gateway ? StatusCode.PermissionDenied : StatusCode.Unauthenticated,
            $"The repository rpcs need the admin secret: {why}");
    }

    /// <summary>Probes and scrapes: readiness and counters, nothing a caller can run.</summary>
    private static bool IsOpen(string path) =>
        path.StartsWith(HealthService, StringComparison.Ordinal)
        || path == MetricsServiceCollectionExtensions.HealthPath
        || path == MetricsServiceCollectionExtensions.MetricsPath;

    /// <summary>The header's value when sent once; a repeated header is no credential.</summary>
    private static string? Single(IHeaderDictionary headers, string name) =>
        headers.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;

    private Task RefuseAsync(HttpContext context, string path, StatusCode status, string message)
    {
        AccessLog.CallRefused(_logger, path, context.Connection.RemoteIpAddress?.ToString(), status.ToString());
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        // The messages are printable ASCII without '%', so they need no percent-encoding.
        response.Headers["grpc-message"] = message;
        return response.CompleteAsync();
    }

    /// <summary>Puts the door first in the worker's pipeline, before routing reaches a service.</summary>
    internal sealed class StartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseMiddleware<WorkerAccessMiddleware>();
            next(app);
        };
    }
}
