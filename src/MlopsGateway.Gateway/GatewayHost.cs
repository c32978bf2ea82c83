using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlopsGateway.Monitoring;
using StackExchange.Redis;

namespace MlopsGateway.Gateway;

/// <summary>Builds a gateway server: Kestrel on one endpoint, HTTP/2 cleartext, the gateway role mapped.</summary>
public static class GatewayHost
{
    /// <summary>
    /// A gateway serving gRPC on <paramref name="endpoint"/> (port 0 picks a free port), reading keys from
    /// <paramref name="redis"/>; metrics and <c>/healthz</c> over HTTP/1.1 on <paramref name="metricsEndpoint"/> when given.
    /// </summary>
    public static WebApplication Build(
        IPEndPoint endpoint, IConnectionMultiplexer redis, Action<GatewayOptions> configure, Action<ILoggingBuilder>? logging = null,
        IPEndPoint? metricsEndpoint = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel => ServerEndpoints.Configure(kestrel, endpoint, metricsEndpoint));
        logging?.Invoke(builder.Logging);
        builder.Services.AddSingleton(redis);
        builder.Services.AddMlopsGateway(configure);
        var app = builder.Build();
        app.MapMlopsGateway();
        return app;
    }
}
