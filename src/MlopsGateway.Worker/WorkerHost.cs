using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MlopsGateway.Worker;

/// <summary>Builds a worker server: Kestrel on one endpoint, HTTP/2 cleartext, the worker role mapped.</summary>
public static class WorkerHost
{
    /// <summary>A worker listening on <paramref name="endpoint"/> (port 0 picks a free port).</summary>
    public static WebApplication Build(IPEndPoint endpoint, Action<WorkerOptions> configure, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(endpoint, listen => listen.Protocols = HttpProtocols.Http2));
        logging?.Invoke(builder.Logging);
        builder.Services.AddMlopsWorker(configure);
        var app = builder.Build();
        app.MapMlopsWorker();
        return app;
    }

    /// <summary>The address a started server listens on, e.g. <c>http://127.0.0.1:5001</c>.</summary>
    public static string BoundAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        return addresses?.FirstOrDefault() ?? throw new InvalidOperationException("The server has not started.");
    }
}
