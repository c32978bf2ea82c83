using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace MlopsGateway.Monitoring;

/// <summary>
/// Tells the metrics listener's connections from the others'. Metrics name every model and version
/// and the process' internals, which callers of the public gRPC port have no business reading; the
/// mark is set on the connection by Kestrel (not by anything the caller sends, as a Host header is).
/// </summary>
internal sealed class MetricsListener
{
    public static MetricsListener Marker { get; } = new();

    private MetricsListener()
    {
    }

    /// <summary>Answers 404 to a request that did not arrive on the metrics listener.</summary>
    public static void Only(IApplicationBuilder branch) => branch.Use((context, next) =>
    {
        if (context.Features.Get<MetricsListener>() is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        return next(context);
    });
}
