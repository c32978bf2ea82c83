using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway.Console.Audit;
using MlopsGateway.Gateway.Console.Drift;
using MlopsGateway.Gateway.Console.Keys;
using MlopsGateway.Gateway.Console.Live;
using MlopsGateway.Gateway.Console.Models;
using MlopsGateway.Gateway.Console.Playground;
using MlopsGateway.Gateway.Console.Workers;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Models;
using MlopsGateway.Registry.Rollouts;
using MlopsGateway.Registry.Telemetry;
using StackExchange.Redis;

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
        services.AddSingleton(sp => new TelemetryStore(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<RedisKeys>()));
        services.AddSingleton(sp => new LiveApi(sp.GetRequiredService<TelemetryStore>(), sp.GetRequiredService<Discovery.SnapshotCache>(),
            new RolloutStore(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<RedisKeys>(), sp.GetRequiredService<TimeProvider>()),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<WorkersApi>();
        services.AddSingleton<DriftHistory>();
        services.AddSingleton(sp => new KeysApi(new ApiKeyStore(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<RedisKeys>())));
        services.AddSingleton(sp =>
        {
            var (redis, time, keys) = (sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<RedisKeys>());
            return new AuditApi(new RouteStore(redis, time, keys), new ApiKeyStore(redis, time, keys), new ModelRegistry(redis, time, keys), new RolloutStore(redis, keys, time));
        });
        services.AddSingleton<PlaygroundApi>();
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
        read.MapPlayground();
        var change = endpoints.MapGroup(ConsolePaths.Api).AddEndpointFilter(new ConsoleAccess(ConsoleNeed.Change));
        ConsoleApi.Map(read.MapGroup("/api"), change);
        // Built now, so that the drift page's history starts with the gateway, not with its first visit.
        _ = endpoints.ServiceProvider.GetRequiredService<DriftHistory>();
        return endpoints;
    }

    private static void MapPages(RouteGroupBuilder read)
    {
        read.MapGet("/models", (HttpContext http) => ConsoleLayout.Page(http, "models", "Models",
            new Dictionary<string, string> { ["api"] = ConsolePaths.Api + "/models" }));
        read.MapGet("/workers", (HttpContext http) => ConsoleLayout.Page(http, "workers", "Workers", Api("workers")));
        read.MapGet("/drift", (HttpContext http) => ConsoleLayout.Page(http, "drift", "Drift and accuracy", Api("drift")));
        read.MapGet("/audit", (HttpContext http) => ConsoleLayout.Page(http, "audit", "Audit trail", Api("audit")));
        read.MapGet("/keys", (HttpContext http) => ConsoleLayout.Page(http, "keys", "API keys", new Dictionary<string, string>
        {
            ["api"] = ConsolePaths.Api + "/keys",
            ["admin"] = ConsoleClaims.MayChange(ConsoleClaims.Scopes(http.User)) ? "true" : "false",
        }));
        read.MapGet("/models/{model}", (HttpContext http, string model) => ModelNames.CheckModel(model) is null
            ? ConsoleLayout.Page(http, "models", $"Model {model}",
                new Dictionary<string, string> { ["view"] = "model", ["model"] = model, ["api"] = $"{ConsolePaths.Api}/models/{model}" })
            : Results.NotFound());
    }

    private static Dictionary<string, string> Api(string name) => new() { ["api"] = $"{ConsolePaths.Api}/{name}" };
}
