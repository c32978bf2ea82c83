using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;

namespace MlopsGateway.Monitoring;

/// <summary>
/// The listeners of a server role: gRPC over HTTP/2 only, cleartext (prior knowledge) or over TLS
/// (ALPN h2) with a <see cref="ServerCertificate"/>, and optionally a separate HTTP/1.1 listener for
/// Prometheus scrapes and probes, which speak HTTP/1.1.
/// </summary>
public static class ServerEndpoints
{
    /// <summary>Adds the listeners to Kestrel; the gRPC one over TLS when <paramref name="tls"/> is given.</summary>
    public static void Configure(KestrelServerOptions kestrel, IPEndPoint grpc, IPEndPoint? metrics, ServerCertificate? tls = null)
    {
        kestrel.Listen(grpc, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            if (tls is not null)
            {
                // Asked per connection rather than fixed at start, so a certificate replaced on disk is served from then on.
                listen.UseHttps(new TlsHandshakeCallbackOptions { OnConnection = _ => ValueTask.FromResult(tls.ServerOptions()) });
            }
        });
        if (metrics is not null)
        {
            kestrel.Listen(metrics, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                // Marks the listener's connections, so /metrics answers only here (MetricsListener.Only).
                listen.Use(next => connection =>
                {
                    connection.Features.Set(MetricsListener.Marker);
                    return next(connection);
                });
            });
        }
    }

    /// <summary>
    /// Adds a listener for people's browsers (an admin page of the role's own): HTTP/1.1, or HTTP/1.1
    /// and HTTP/2 over TLS with <paramref name="tls"/>; its connections carry <paramref name="marker"/>
    /// as a feature, set by Kestrel, so that the pages meant for it can refuse requests from elsewhere.
    /// </summary>
    public static void ConfigureMarked<TMarker>(KestrelServerOptions kestrel, IPEndPoint endpoint, TMarker marker, ServerCertificate? tls = null)
    {
        kestrel.Listen(endpoint, listen =>
        {
            listen.Protocols = tls is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;
            if (tls is not null)
            {
                listen.UseHttps(new TlsHandshakeCallbackOptions { OnConnection = _ => ValueTask.FromResult(tls.ServerOptions()) });
            }
            listen.Use(next => connection =>
            {
                connection.Features.Set(marker);
                return next(connection);
            });
        });
    }

    /// <summary>
    /// Whether <paramref name="context"/> arrived on the metrics listener: the mark Kestrel set on its
    /// connection, never anything the caller sent. Other admin pages (the gateway's console) answer only there.
    /// </summary>
    public static bool OnMetricsListener(HttpContext context) =>
        context.Features.Get<MetricsListener>() is not null;

    /// <summary>The gRPC address a started server listens on, e.g. <c>http://127.0.0.1:5001</c> (<c>https://</c> over TLS).</summary>
    public static string GrpcAddress(WebApplication app) => Addresses(app)[0];

    /// <summary>The metrics address of a started server, or null when it has none.</summary>
    public static string? MetricsAddress(WebApplication app)
    {
        var addresses = Addresses(app);
        return addresses.Count > 1 ? addresses[1] : null;
    }

    private static IReadOnlyList<string> Addresses(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList();
        return addresses is { Count: > 0 } ? addresses : throw new InvalidOperationException("The server has not started.");
    }
}
