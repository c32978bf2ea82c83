using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlopsGateway.Monitoring;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Worker;

/// <summary>Builds a worker server: Kestrel on one endpoint, HTTP/2 (cleartext, or TLS with a certificate), the worker role mapped.</summary>
public static class WorkerHost
{
    /// <summary>
    /// A worker serving gRPC on <paramref name="endpoint"/> and, when given, Prometheus metrics and
    /// <c>/healthz</c> over HTTP/1.1 on <paramref name="metricsEndpoint"/> (port 0 picks a free port);
    /// <paramref name="worker"/> adds to the role (registration in Redis, say). With <paramref name="tls"/>, gRPC is
    /// served over TLS (HTTP/2 by ALPN) with its certificate, read again when its files change; the worker then
    /// registers an <c>https://</c> address.
    /// </summary>
    public static WebApplication Build(
        IPEndPoint endpoint, Action<WorkerOptions> configure, Action<ILoggingBuilder>? logging = null, IPEndPoint? metricsEndpoint = null,
        Action<WorkerBuilder>? worker = null, ServerCertificate? tls = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel => ServerEndpoints.Configure(kestrel, endpoint, metricsEndpoint, tls));
        logging?.Invoke(builder.Logging);
        var role = builder.Services.AddMlopsWorker(configure);
        worker?.Invoke(role);
        var app = builder.Build();
        app.MapMlopsWorker();
        return app;
    }

    /// <summary>
    /// The model versions <paramref name="worker"/> (built by <see cref="Build"/>, started) serves now,
    /// ordered by model then version; empty before its repository has loaded.
    /// </summary>
    public static IReadOnlyList<ModelState> ServedModels(WebApplication worker) =>
        worker.Services.GetRequiredService<ModelRepository>().All
            .Select(v => new ModelState(v.Name, v.Version, ModelState.Ready, ""))
            .ToArray();
}
