using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace MlopsGateway.Gateway.Console.Playground;

/// <summary>The playground's page and API, in the console's group (signed in, console scope; every POST checked against CSRF there).</summary>
internal static class PlaygroundEndpoints
{
    /// <summary>The playground's script, served with the console's assets.</summary>
    public const string Script = ConsolePaths.Assets + "/playground.js";

    public static void MapPlayground(this RouteGroupBuilder read)
    {
        read.MapGet("/playground", (HttpContext http) => ConsoleLayout.Page(http, "playground", "Playground",
            new Dictionary<string, string> { ["api"] = ConsolePaths.Api + "/playground" }, Script));
        read.MapGet("/api/playground", (PlaygroundApi api) => Results.Json(api.Models(), ConsoleJson.Options));
        read.MapGet("/api/playground/form", (HttpContext http, PlaygroundApi api, string? model, string? version) => api.FormAsync(http, model, version));
        read.MapPost("/api/playground/predict", (HttpContext http, PlaygroundApi api, PlaygroundCall call) => api.PredictAsync(http, call));
        read.MapPost("/api/playground/explain", (HttpContext http, PlaygroundApi api, PlaygroundCall call) => api.ExplainAsync(http, call));
    }
}
