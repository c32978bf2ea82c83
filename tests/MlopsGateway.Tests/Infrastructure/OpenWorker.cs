using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using MlopsGateway.Monitoring;
using MlopsGateway.Worker;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// A real worker on loopback port 0 that asks callers for no worker secret, as the load tool and
/// other direct callers meet one in the perf scripts.
/// </summary>
public static class OpenWorker
{
    /// <summary>Starts a worker on <paramref name="repository"/>; <paramref name="before"/> adds middleware ahead of the gRPC service.</summary>
    public static async Task<(WebApplication App, string Address)> StartAsync(string repository, Action<WebApplication>? before = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => ServerEndpoints.Configure(k, new IPEndPoint(IPAddress.Loopback, 0), null));
        builder.Services.AddMlopsWorker(o => o.ModelRepository = repository);
        var app = builder.Build();
        before?.Invoke(app);
        app.MapMlopsWorker();
        await app.StartAsync();
        return (app, ServerEndpoints.GrpcAddress(app));
    }
}
