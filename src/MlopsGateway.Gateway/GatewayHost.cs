using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway.Console;
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
    /// The web console answers on the metrics listener, or on <paramref name="consoleEndpoint"/> alone when given
    /// (HTTP/1.1, over TLS with <paramref name="tls"/>); <see cref="ConsoleAddress"/> says where.
    /// </summary>
    public static WebApplication Build(
        IPEndPoint endpoint, IConnectionMultiplexer redis, Action<GatewayOptions> configure, Action<ILoggingBuilder>? logging = null,
        IPEndPoint? metricsEndpoint = null, ServerCertificate? tls = null, IPEndPoint? consoleEndpoint = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            ServerEndpoints.Configure(kestrel, endpoint, metricsEndpoint, tls);
            if (consoleEndpoint is not null)
            {
                ServerEndpoints.ConfigureMarked(kestrel, consoleEndpoint, ConsoleListener.Marker, tls);
            }
        });
        logging?.Invoke(builder.Logging);
        builder.Services.AddSingleton(redis);
        builder.Services.AddMlopsGateway(o =>
        {
            configure(o);
            o.ConsoleOwnListener = consoleEndpoint is not null;
        });
        var app = builder.Build();
        app.MapMlopsGateway();
        return app;
    }

    /// <summary>
    /// Where a started gateway's console is, e.g. <c>http://127.0.0.1:9100/console</c>: its own listener's
    /// address when it has one, else the metrics listener's; null when it has neither.
    /// </summary>
    public static string? ConsoleAddress(WebApplication gateway)
    {
        var addresses = gateway.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        var own = gateway.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.ConsoleOwnListener;
        // Kestrel lists its listeners in the order they were added: gRPC, metrics (when given), console (when given).
        var address = own ? addresses[^1] : ServerEndpoints.MetricsAddress(gateway);
        return address is null ? null : address.TrimEnd('/') + ConsolePaths.Root;
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
