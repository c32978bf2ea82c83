using Microsoft.AspNetCore.Http;
using MlopsGateway.Monitoring;

namespace MlopsGateway.Gateway.Console;

/// <summary>
/// Tells the console's listener from the others. The console answers on the gateway's metrics/admin
/// listener (HTTP/1.1, loopback by default), or on a listener of its own (<c>--console-port</c>) when
/// the host opened one; never on the public gRPC port. The mark is set on the connection by Kestrel,
/// not by anything the caller sends.
/// </summary>
internal sealed class ConsoleListener
{
    public static ConsoleListener Marker { get; } = new();

    private ConsoleListener()
    {
    }

    /// <summary>Whether <paramref name="context"/> came in where the console answers.</summary>
    public static bool Accepts(HttpContext context, bool ownListener) =>
        ownListener ? context.Features.Get<ConsoleListener>() is not null : ServerEndpoints.OnMetricsListener(context);
}
