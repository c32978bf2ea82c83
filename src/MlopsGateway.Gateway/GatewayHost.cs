using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Monitoring;
using StackExchange.Redis;
using Yarp.ReverseProxy;

namespace MlopsGateway.Gateway;

/// <summary>Builds a gateway server: Kestrel on one endpoint, HTTP/2 (cleartext, or TLS with a certificate), the gateway role mapped.</summary>
public static class GatewayHost
{
    /// <summary>
    /// A gateway serving gRPC on <paramref name="endpoint"/> (port 0 picks a free port), reading keys from
    /// <paramref name="redis"/>; metrics and <c>/healthz</c> over HTTP/1.1 on <paramref name="metricsEndpoint"/> when given.
    /// With <paramref name="tls"/>, callers connect over TLS (HTTP/2 by ALPN) and get its certificate, read again when its files change.
    /// </summary>
    public static WebApplication Build(
        IPEndPoint endpoint, IConnectionMultiplexer redis, Action<GatewayOptions> configure, Action<ILoggingBuilder>? logging = null,
        IPEndPoint? metricsEndpoint = null, ServerCertificate? tls = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel => ServerEndpoints.Configure(kestrel, endpoint, metricsEndpoint, tls));
        logging?.Invoke(builder.Logging);
        builder.Services.AddSingleton(redis);
        builder.Services.AddMlopsGateway(configure);
        var app = builder.Build();
        app.MapMlopsGateway();
        return app;
    }

    /// <summary>
    /// Waits until a started gateway can forward to at least <paramref name="count"/> workers
    /// (discovered in Redis or static); false when that did not happen within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<bool> WaitForWorkersAsync(WebApplication gateway, int count, TimeSpan timeout)
    {
        var proxy = gateway.Services.GetRequiredService<IProxyStateLookup>();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (proxy.TryGetCluster(ProxyTopology.AllCluster, out var all) && all.DestinationsState.AllDestinations.Count >= count)
            {
                return true;
            }
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            await Task.Delay(20).ConfigureAwait(false);
        }
    }
}
