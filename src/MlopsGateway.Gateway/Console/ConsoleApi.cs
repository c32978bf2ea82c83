using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using MlopsGateway.Gateway.Console.Audit;
using MlopsGateway.Gateway.Console.Drift;
using MlopsGateway.Gateway.Console.Keys;
using MlopsGateway.Gateway.Console.Live;
using MlopsGateway.Gateway.Console.Models;
using MlopsGateway.Gateway.Console.Workers;
using MlopsGateway.Registry.Models;

namespace MlopsGateway.Gateway.Console;

/// <summary>The JSON each page reads, under <c>/console/api</c> (the same sign-in as the pages; changes need <c>admin</c>).</summary>
internal static class ConsoleApi
{
    public static void Map(RouteGroupBuilder api, RouteGroupBuilder change)
    {
        api.MapGet("/me", (HttpContext http) => Json(
            new { id = ConsoleClaims.KeyId(http.User), name = ConsoleClaims.KeyName(http.User), scopes = ConsoleClaims.Scopes(http.User) }));
        api.MapGet("/models", async (ModelsApi models) => Json(await models.ListAsync().ConfigureAwait(false)));
        api.MapGet("/models/{model}", async (ModelsApi models, string model) =>
        {
            var (view, faults, refusal) = await FindAsync(models, model).ConfigureAwait(false);
            return refusal ?? Json(new { model = view, faults });
        });
        api.MapGet("/models/{model}/live", async (ModelsApi models, LiveApi live, string model) =>
        {
            var (view, _, refusal) = await FindAsync(models, model).ConfigureAwait(false);
            return refusal ?? Json(await live.ReadAsync(model, [.. view!.Versions.Select(v => v.Version)]).ConfigureAwait(false));
        });
        api.MapGet("/workers", (WorkersApi workers) => Json(new { workers = workers.List() }));
        api.MapGet("/drift", (DriftHistory history, string? model) => Json(new
        {
            versions = history.Read().Where(h => model is null || h.Model == model)
                .Select(h => new { model = h.Model, version = h.Version, reports = h.Reports }),
        }));
        api.MapGet("/audit", async (AuditApi audit, string? kind, string? subject, string? by, int? limit) =>
        {
            if (kind is not null && !AuditApi.Kinds.Contains(kind))
            {
                return Error(StatusCodes.Status400BadRequest, $"kind must be one of {string.Join(", ", AuditApi.Kinds)}, or left out for all.");
            }
            var entries = await audit.ReadAsync(kind, Blank(subject), Blank(by), Math.Clamp(limit ?? 200, 1, 1000)).ConfigureAwait(false);
            return Json(new { entries });
        });
        api.MapGet("/keys", async (KeysApi keys) => Json(new { keys = await keys.ListAsync().ConfigureAwait(false) }));

        change.MapPost("/keys", async (HttpContext http, KeysApi keys, KeyRequest request, ILogger<KeysApi> logger) =>
        {
            var (key, secret, problem) = await keys.CreateAsync(request, ConsoleClaims.Actor(http.User)).ConfigureAwait(false);
            if (problem is not null)
            {
                return Error(StatusCodes.Status400BadRequest, problem);
            }
            ConsoleLog.KeyCreated(logger, key!.Name, key.Id, ConsoleClaims.Actor(http.User));
            // The only time the secret is shown: the store keeps its hash alone.
            return Json(new { key, secret }, StatusCodes.Status201Created);
        });
        change.MapPost("/keys/{id}/revoke", async (HttpContext http, KeysApi keys, string id, ILogger<KeysApi> logger) =>
        {
            var revoked = await keys.RevokeAsync(id, ConsoleClaims.Actor(http.User)).ConfigureAwait(false);
            if (revoked is null)
            {
                return Error(StatusCodes.Status404NotFound, "No key has that id (revoked already?).");
            }
            if (revoked == false)
            {
                return Error(StatusCodes.Status409Conflict, "Another key is named like this id; revoke it with 'mlops keys revoke' instead.");
            }
            ConsoleLog.KeyRevoked(logger, id, ConsoleClaims.Actor(http.User));
            return Json(new { revoked = id });
        });
    }

    private static async Task<(ModelView? View, IReadOnlyList<Registry.RecordFault> Faults, IResult? Refusal)> FindAsync(ModelsApi models, string model)
    {
        if (ModelNames.CheckModel(model) is { } problem)
        {
            return (null, [], Error(StatusCodes.Status400BadRequest, $"That is not a model name: {problem}."));
        }
        var (view, faults) = await models.GetAsync(model).ConfigureAwait(false);
        return view is null
            ? (null, faults, Error(StatusCodes.Status404NotFound, $"No model '{model}': not in the registry, in a route or on a worker."))
            : (view, faults, null);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static IResult Json(object value, int status = StatusCodes.Status200OK) => Results.Json(value, ConsoleJson.Options, statusCode: status);

    private static IResult Error(int status, string message) => Json(new ConsoleError(message), status);
}
