using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway.Console.Models;
using MlopsGateway.Registry.Models;

namespace MlopsGateway.Gateway.Console;

/// <summary>Registers and maps the web console (pages under <c>/console</c>, their JSON under <c>/console/api</c>).</summary>
internal static class ConsoleServiceCollectionExtensions
{
    public static IServiceCollection AddConsole(this IServiceCollection services)
    {
        // The cookie and the antiforgery tokens are protected with keys held in memory: nothing is
        // written to disk, and a restart ends every session, as it forgets the secrets kept for them.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddAuthentication()
            .AddCookie(ConsoleClaims.Scheme, _ => { });
        services.AddOptions<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(ConsoleClaims.Scheme)
            .Configure<IOptions<GatewayOptions>>((cookie, gateway) => ConsoleAuth.Configure(cookie, gateway.Value.ConsoleSessionLifetime));
        services.AddAntiforgery(o =>
        {
            o.HeaderName = "X-CSRF-TOKEN";
            o.Cookie.Name = "mlops-console-csrf";
            o.Cookie.Path = ConsolePaths.Root;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
        });
        services.AddSingleton<ConsoleSessions>();
        services.AddSingleton<ConsoleSignIn>();
        services.AddSingleton<ModelsApi>();
        return services;
    }

    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder endpoints)
    {
        var open = endpoints.MapGroup(ConsolePaths.Root).AddEndpointFilter(new ConsoleAccess(ConsoleNeed.Anyone));
        open.MapGet("/assets/{**name}", (HttpContext http, string name) => ConsoleAssets.Serve(http, name));
        open.MapGet("/signin", (HttpContext http, string? returnUrl) => ConsoleLayout.SignIn(http, returnUrl, null));
        open.MapPost("/signin", (HttpContext http, ConsoleSignIn signIn) => signIn.SignInAsync(http));

        var read = endpoints.MapGroup(ConsolePaths.Root).AddEndpointFilter(new ConsoleAccess(ConsoleNeed.Read));
        read.MapGet("", () => Results.Redirect(ConsolePaths.Models));
        read.MapPost("/signout", (HttpContext http, ConsoleSignIn signIn) => signIn.SignOutAsync(http));
        MapPages(read);
        MapApi(read.MapGroup("/api"));
        return endpoints;
    }

    private static void MapPages(RouteGroupBuilder read)
    {
        read.MapGet("/models", (HttpContext http) => ConsoleLayout.Page(http, "models", "Models",
            new Dictionary<string, string> { ["api"] = ConsolePaths.Api + "/models" }));
        read.MapGet("/models/{model}", (HttpContext http, string model) => ModelNames.CheckModel(model) is null
            ? ConsoleLayout.Page(http, "models", $"Model {model}",
                new Dictionary<string, string> { ["view"] = "model", ["model"] = model, ["api"] = $"{ConsolePaths.Api}/models/{model}" })
            : Results.NotFound());
    }

    private static void MapApi(RouteGroupBuilder api)
    {
        api.MapGet("/me", (HttpContext http) => Results.Json(
            new { id = ConsoleClaims.KeyId(http.User), name = ConsoleClaims.KeyName(http.User), scopes = ConsoleClaims.Scopes(http.User) }, ConsoleJson.Options));
        api.MapGet("/models", async (ModelsApi models) => Results.Json(await models.ListAsync().ConfigureAwait(false), ConsoleJson.Options));
        api.MapGet("/models/{model}", async (ModelsApi models, string model) =>
        {
            if (ModelNames.CheckModel(model) is { } problem)
            {
                return Results.Json(new ConsoleError($"'{model}' is not a model name: {problem}."), ConsoleJson.Options, statusCode: StatusCodes.Status400BadRequest);
            }
            var (view, faults) = await models.GetAsync(model).ConfigureAwait(false);
            return view is null
                ? Results.Json(new ConsoleError($"No model '{model}': not in the registry, in a route or on a worker."), ConsoleJson.Options, statusCode: StatusCodes.Status404NotFound)
                : Results.Json(new { model = view, faults }, ConsoleJson.Options);
        });
    }
}
