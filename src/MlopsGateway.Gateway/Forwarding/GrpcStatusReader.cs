using System.Globalization;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>The gRPC status a call was answered with, by name (a metrics label), from its trailers or headers.</summary>
internal static class GrpcStatusReader
{
    public const string Ok = "OK";

    private static readonly string[] s_names = Names();

    public static string Read(HttpContext context)
    {
        var trailers = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        if (trailers is not null && trailers.TryGetValue("grpc-status", out var trailer))
        {
            return NameOf(trailer);
        }
        if (context.Response.Headers.TryGetValue("grpc-status", out var header))
        {
            return NameOf(header);
        }
        return "Unknown";
    }

    internal static string NameOf(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code < s_names.Length ? s_names[code] : "Unknown";

    private static string[] Names()
    {
        var names = new string[17];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = ((StatusCode)i).ToString();
        }
        return names;
    }
}
