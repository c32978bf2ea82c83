using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using MlopsGateway.Gateway.Forwarding;
using MlopsGateway.Gateway.Routing;
using MlopsGateway.Monitoring;

namespace MlopsGateway.Gateway.Tracing;

/// <summary>
/// The gateway's spans, children of ASP.NET Core's server span of the call: <c>authenticate</c>,
/// <c>route</c> (from the version's choice to the body's rewrite) and <c>forward</c> (YARP's
/// forwarding, a retry included; HttpClient's client span of each attempt under it). What each
/// carries is read from the call's <see cref="GatewayRequest"/> when the span ends.
/// </summary>
internal static class GatewayTracing
{
    public const string SourceName = TracingServiceCollectionExtensions.SourcePrefix + "Gateway";

    public const string Authenticate = "authenticate";

    public const string Route = "route";

    public const string Forward = "forward";

    public static ActivitySource Source { get; } = new(SourceName, typeof(GatewayTracing).Assembly.GetName().Version?.ToString());

    /// <summary>Tags an ending span from what its steps learnt; <paramref name="answered"/> when a step answered the call itself.</summary>
    public static void Finish(Activity span, HttpContext context, bool answered)
    {
        var request = context.Features.Get<GatewayRequest>();
        if (request is not null)
        {
            Describe(span, request);
        }
        if (answered || span.OperationName == Forward)
        {
            var status = GrpcStatusReader.Read(context);
            span.SetTag(TraceTags.Status, status);
            if (status != GrpcStatusReader.Ok)
            {
                span.SetStatus(ActivityStatusCode.Error, status);
            }
        }
    }

    private static void Describe(Activity span, GatewayRequest request)
    {
        switch (span.OperationName)
        {
            case Authenticate:
                span.SetTag(TraceTags.KeyId, request.Caller?.Id);
                break;
            case Route:
                span.SetTag(TraceTags.Model, request.Model);
                span.SetTag(TraceTags.RequestedVersion, request.Prefix.Version ?? "");
                span.SetTag(TraceTags.Version, request.PrimaryVersion);
                span.SetTag(TraceTags.RouteKind, KindName(request.Decision.Kind));
                span.SetTag(TraceTags.ShadowVersion, request.Decision.ShadowVersion);
                break;
            case Forward:
                span.SetTag(TraceTags.Model, request.Model);
                span.SetTag(TraceTags.Version, request.PrimaryVersion);
                break;
        }
    }

    private static string KindName(RouteKind kind) => kind switch
    {
        RouteKind.Explicit => "explicit",
        RouteKind.Stable => "stable",
        RouteKind.Canary => "canary",
        _ => "latest",
    };
}
