using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace MlopsGateway.Gateway.Console;

/// <summary>
/// The console's scripts, styles and the vendored chart library (uPlot), embedded in the gateway's
/// assembly (<c>Console/Assets/</c>, resource names <c>console/NAME</c>): the console needs no CDN
/// and works offline. Read once; served with an ETag.
/// </summary>
internal static class ConsoleAssets
{
    private const string Prefix = "console/";

    private static readonly FrozenDictionary<string, Asset> s_assets = Load();

    /// <summary>The names served (<c>console.js</c>, <c>uplot/uPlot.iife.min.js</c>, ...).</summary>
    public static IReadOnlyCollection<string> Names => s_assets.Keys;

    /// <summary>The asset named <paramref name="name"/>, 304 when the browser has it, or 404.</summary>
    public static IResult Serve(HttpContext http, string name)
    {
        if (!s_assets.TryGetValue(name, out var asset))
        {
            return Results.NotFound();
        }
        http.Response.Headers.CacheControl = "private, max-age=300";
        if (http.Request.Headers.IfNoneMatch == asset.ETag)
        {
            http.Response.Headers.ETag = asset.ETag;
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }
        return Results.Bytes(asset.Bytes, asset.ContentType, entityTag: new EntityTagHeaderValue(asset.ETag));
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}\"";
            assets[resource[Prefix.Length..]] = new Asset(bytes, ContentType(resource), etag);
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "text/plain; charset=utf-8",
    };

    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
