using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MlopsGateway.Monitoring;
using MlopsGateway.Gateway;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Models;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Explanations;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Sketching;
using StackExchange.Redis;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops up</c>: Redis (embedded unless given), a worker and a gateway in one process.</summary>
internal static class UpCommand
{
    /// <summary>Name of the key <c>up</c> creates; an earlier run's key of this name is replaced.</summary>
    public const string DemoKeyName = "up-demo";

    /// <summary>The demo key's scopes.</summary>
    public static IReadOnlyList<string> DemoKeyScopes { get; } = [KeyScopes.Infer, KeyScopes.Feedback, KeyScopes.Console];

    public static Command Create(CliEnvironment environment)
    {
        var gatewayPort = ServerOptions.Port("--gateway-port", "Gateway port (callers connect here).", 5000);
        var workerPort = ServerOptions.Port("--worker-port", "Worker port.", 5001);
        var redis = ServerOptions.Redis(environment);
        var models = new Option<string>("--models")
        {
            Description = "Model repository folder (<model>/<version>/model.onnx). Sample models are written into it when it holds none.",
            DefaultValueFactory = _ => "models",
        };
        var gatewayMetricsPort = ServerOptions.MetricsPort("--gateway-metrics-port", 9100);
        var workerMetricsPort = ServerOptions.MetricsPort("--worker-metrics-port", 9101);
        var apiKey = new Option<string?>("--api-key") { Description = $"Use this API key instead of a random one (at least {ApiKeyStore.MinimumSecretLength} characters)." };
        apiKey.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } given && given.Length < ApiKeyStore.MinimumSecretLength)
            {
                // The key itself is not echoed: it is a secret.
                result.AddError($"--api-key must be at least {ApiKeyStore.MinimumSecretLength} characters long (a shorter one's hash is cracked from a Redis dump); leave it out for a random one.");
            }
        });
        var data = new Option<string>("--data")
        {
            Description = "Folder for up's model registry files: the artefact store (<data>/artifacts, give it to 'mlops models push --artifacts') and the worker's cache.",
            DefaultValueFactory = _ => ".mlops",
        };
        // The registry's worker reloads on the registry's changes, not on files: a folder to watch needs the folder served as it is.
        var watch = new Option<bool>("--watch") { Description = "Serve the --models folder itself, not the registry, and reload a model when files under its folder change." };
        var bind = ServerOptions.Bind("127.0.0.1");
        var redisCa = ServerOptions.RedisCa(environment);
        var tlsCert = ServerOptions.TlsCertificate();
        var tlsKey = ServerOptions.TlsKey();
        var workerCa = ServerOptions.WorkerCa();
        var metricsBind = ServerOptions.MetricsBind();
        var consolePort = ServerOptions.ConsolePort();
        var verbose = ServerOptions.Verbose();
        var quality = new QualityFlags();
        var predictions = new PredictionRecordFlags();

        var command = new Command("up", $"Run everything in one process on embedded defaults: Redis, a worker with sample models, a gateway. Accepts JWTs when {CliEnvironment.JwtSigningKey} is set.")
        {
            gatewayPort, workerPort, gatewayMetricsPort, workerMetricsPort, redis, redisCa, models, data, apiKey, watch, bind, metricsBind, consolePort, tlsCert, tlsKey, workerCa, verbose,
        };
        Array.ForEach(quality.All, command.Options.Add);
        foreach (var option in predictions.All)
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, cancellationToken) => RunAsync(
            new UpSettings(parse.GetValue(gatewayPort), parse.GetValue(workerPort), parse.GetValue(gatewayMetricsPort),
                parse.GetValue(workerMetricsPort), environment.ValueOf(parse, redis), parse.GetValue(models)!, parse.GetValue(apiKey),
                parse.GetValue(bind)!, parse.GetValue(verbose), parse.GetValue(watch), environment.Read(CliEnvironment.JwtSigningKey),
                environment.ValueOf(parse, redisCa), parse.GetValue(tlsCert), parse.GetValue(tlsKey), parse.GetValue(workerCa))
            {
                MetricsBind = parse.GetValue(metricsBind)!,
                ConsoleEndpoint = ServerOptions.ConsoleEndpoint(parse, consolePort, parse.GetValue(metricsBind)!),
                Keys = NamespaceOption.Keys(parse, environment),
                Registry = new UpRegistry(parse.GetValue(data)!),
                Quality = o => quality.Apply(parse, o),
                RecordPredictions = (w, connection, ns) => predictions.Apply(parse, w, connection, ns),
            },
            cancellationToken));
        return command;
    }

    private sealed record UpSettings(
        int GatewayPort, int WorkerPort, int GatewayMetricsPort, int WorkerMetricsPort, string? Redis, string Models,
        string? ApiKey, IPAddress Bind, bool Verbose, bool Watch, string? JwtSigningKey,
        string? RedisCa, string? TlsCertificate, string? TlsKey, string? WorkerCa)
    {
        public IPAddress MetricsBind { get; init; } = IPAddress.Loopback;

        /// <summary>The console's own listener (<c>--console-port</c>), or null for the gateway's metrics listener.</summary>
        public IPEndPoint? ConsoleEndpoint { get; init; }

        public RedisKeys Keys { get; init; } = RedisKeys.Default;

        public UpRegistry Registry { get; init; } = new(".mlops");

        public Action<GatewayOptions> Quality { get; init; } = _ => { };

        /// <summary>Adds the worker's prediction records, as <c>--prediction-*</c> say.</summary>
        public Action<WorkerBuilder, IConnectionMultiplexer, string>? RecordPredictions { get; init; }
    }

    private static async Task<int> RunAsync(UpSettings settings, CancellationToken cancellationToken)
    {
        if (SampleModels.WriteIfEmpty(settings.Models))
        {
            await Console.Out.WriteLineAsync($"Wrote sample model '{SampleModels.Propensity}' (versions 1 and 2) to {Path.GetFullPath(settings.Models)}").ConfigureAwait(false);
        }
        // Fresh secrets each run: the worker answers only this process's gateway and whoever can read
        // the admin secret's file (this user: the folder and the file are theirs alone).
        var secrets = new UpSecrets(NewSecret(), NewSecret(), Directory.CreateTempSubdirectory("mlops-up-"));
        try
        {
            return await ServeAsync(settings, secrets with { AdminFile = WriteSecret(secrets.Folder, secrets.Admin) }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            secrets.Folder.Delete(recursive: true);
        }
    }

    private sealed record UpSecrets(string Worker, string Admin, DirectoryInfo Folder, string AdminFile = "");

    private static async Task<int> ServeAsync(UpSettings settings, UpSecrets secrets, CancellationToken cancellationToken)
    {
        var (gatewayPort, workerPort, models, apiKey, bind) = (settings.GatewayPort, settings.WorkerPort, settings.Models, settings.ApiKey, settings.Bind);
        var output = Console.Out;
        var logging = ConsoleLogging.For(settings.Verbose);
        // Both listeners serve the one certificate; the gateway reaches the worker at 127.0.0.1, so it must name that address.
        var tls = ServerOptions.Certificate(settings.TlsCertificate, settings.TlsKey);
        await using var redis = await RedisHandle.OpenAsync(settings.Redis, settings.RedisCa).ConfigureAwait(false);
        await output.WriteLineAsync(redis.IsEmbedded
            ? $"Started embedded Redis-compatible server (Garnet) at {redis.Address}"
            : $"Connected to Redis at {redis.Address}").ConfigureAwait(false);
        if (!settings.Watch)
        {
            await settings.Registry.PublishAsync(models, new ModelRegistry(redis.Connection, keys: settings.Keys), new BaselineStore(redis.Connection, settings.Keys), output, cancellationToken,
                new RouteStore(redis.Connection, keys: settings.Keys)).ConfigureAwait(false);
        }

        // The worker registers itself in Redis; the gateway discovers it there, as in a real deployment.
        await using var worker = WorkerHost.Build(new IPEndPoint(bind, workerPort), o =>
            {
                o.ModelRepository = models;
                o.WatchRepository = settings.Watch;
                // It stops after the gateway (below): no gateway is left to drop it.
                o.DrainDelay = TimeSpan.Zero;
                o.WorkerSecrets = [secrets.Worker];
                o.AdminSecrets = [secrets.Admin];
            }, logging,
            new IPEndPoint(settings.MetricsBind, settings.WorkerMetricsPort), w =>
            {
                w.AddRedisRegistration(redis.Connection, o =>
                {
                    o.Namespace = settings.Keys.Namespace;
                    // The gateway runs in this process: loopback reaches the worker whatever the bind address.
                    if (workerPort != 0)
                    {
                        o.AdvertiseAddress = $"{(tls is null ? "http" : "https")}://127.0.0.1:{workerPort}";
                    }
                });
                settings.RecordPredictions?.Invoke(w, redis.Connection, settings.Keys.Namespace);
                // Ctrl-C stops the worker only once the gateway has stopped (below), not on its own: a
                // worker gone first leaves the gateway probing a closed port while it stops.
                w.Services.AddSingleton<IHostLifetime, StoppedByCaller>();
                w.AddDriftSketches(redis.Connection, o => o.Namespace = settings.Keys.Namespace);
                w.AddExplanations(redis.Connection, settings.Keys.Namespace);
                if (!settings.Watch)
                {
                    settings.Registry.Serve(w, redis.Connection, settings.Keys);
                }
            }, tls);
        await worker.StartAsync(cancellationToken).ConfigureAwait(false);
        var workerAddress = ServerOptions.Reachable(ServerEndpoints.GrpcAddress(worker));

        var store = new ApiKeyStore(redis.Connection, keys: settings.Keys);
        await store.RevokeAsync(DemoKeyName).ConfigureAwait(false);
        // The demo key tries everything a person tries first: predictions, labels for them, the console.
        var (_, secret) = await store.CreateAsync(DemoKeyName, [], apiKey, scopes: DemoKeyScopes).ConfigureAwait(false);

        // As for 'mlops gateway': tokens are accepted once a signing key is given.
        var jwtKey = settings.JwtSigningKey;
        await using var gateway = GatewayHost.Build(new IPEndPoint(bind, gatewayPort), redis.Connection,
            o =>
            {
                o.Namespace = settings.Keys.Namespace;
                o.JwtSigningKey = jwtKey;
                o.WorkerCaPath = settings.WorkerCa;
                o.WorkerSecret = secrets.Worker;
                settings.Quality(o);
            }, logging, new IPEndPoint(settings.MetricsBind, settings.GatewayMetricsPort), tls, settings.ConsoleEndpoint);
        await gateway.StartAsync(cancellationToken).ConfigureAwait(false);
        if (!await GatewayHost.WaitForWorkersAsync(gateway, 1, TimeSpan.FromSeconds(15)).ConfigureAwait(false))
        {
            await Console.Error.WriteLineAsync("The gateway has not discovered the worker in Redis yet; calls answer UNAVAILABLE until it does.").ConfigureAwait(false);
        }
        var gatewayAddress = ServerOptions.Reachable(ServerEndpoints.GrpcAddress(gateway));

        // A password is never printed; commands given no --redis read MLOPS_REDIS, which then holds it.
        var redisOption = (redis.HidesSecret ? "" : $" --redis {redis.Address}")
            + (settings.Keys.Namespace == RedisKeys.DefaultNamespace ? "" : $" --namespace {settings.Keys.Namespace}");
        var served = WorkerHost.ServedModels(worker).GroupBy(v => v.Model).Select(g => $"{g.Key} (versions {string.Join(", ", g.Select(v => v.Version))})");
        await output.WriteLineAsync($"""

            MLOps gateway is up.
              gateway   {gatewayAddress}   (gRPC, Open Inference Protocol v2, {(tls is null ? "h2c" : "h2 over TLS")})
              worker    {workerAddress}
              metrics   {ServerOptions.Reachable(ServerEndpoints.MetricsAddress(gateway)!)}/metrics (gateway), {ServerOptions.Reachable(ServerEndpoints.MetricsAddress(worker)!)}/metrics (worker)
              console   {ServerOptions.Reachable(GatewayHost.ConsoleAddress(gateway)!)}   (sign in with the api key below)
              redis     {redis.Address}{(redis.IsEmbedded ? " (embedded)" : "")}{(redis.HidesSecret ? " (password not shown; set MLOPS_REDIS for the commands below)" : "")}
              models    {string.Join("; ", served)}
                        {(settings.Watch
                            ? $"(served from {Path.GetFullPath(models)} as it is, reloaded on change (--watch); not through the registry)"
                            : $"(from the model registry: mlops models list{redisOption}; push a version: mlops models push FILE --model M{redisOption} --artifacts {settings.Registry.Artifacts})")}
                        (manage them on the worker with its admin secret: mlops models index --worker {workerAddress} --admin-secret-file {secrets.AdminFile})
              api key   {secret}
                        (shown once; only its hash is stored. Send it as 'x-api-key' or 'authorization: Bearer' metadata.)
              tokens    {(jwtKey is null ? "off (set MLOPS_JWT_SIGNING_KEY to accept JWTs)" : "JWTs signed with MLOPS_JWT_SIGNING_KEY accepted; mint one: mlops token create --subject NAME --models " + SampleModels.Propensity)}

            Roll out (the worker registered itself; 'mlops workers{redisOption}' lists it):
              mlops rollout start{redisOption} --model {SampleModels.Propensity} --version 2 --shadow 1m --interval 30s --min-requests 200   (judged and promoted or rolled back on its own)
              mlops rollout canary{redisOption} --model {SampleModels.Propensity} --version 2 --weight 10 --stable 1
            {(settings.Watch ? "" : $"  mlops models alias set {SampleModels.Propensity} {UpRegistry.Champion} 2{redisOption}   (calls sending model_version \"@{UpRegistry.Champion}\" follow it)\n")}
            Try it (in another terminal, from this folder):
              dotnet run --project src/MlopsGateway.Cli -c Release -- predict --gateway {gatewayAddress} --api-key {secret} --model {SampleModels.Propensity} --input 'features=[[3, 12.5, 2, 14, 4]]'
            or with the mlops binary:
              mlops predict --gateway {gatewayAddress} --api-key {secret} --model {SampleModels.Propensity} --input 'features=[[3, 12.5, 2, 14, 4]]'

            Press Ctrl-C to stop.
            """).ConfigureAwait(false);

        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await output.WriteLineAsync("Stopping...").ConfigureAwait(false);
        using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await gateway.StopAsync(stopTimeout.Token).ConfigureAwait(false);
        await worker.StopAsync(stopTimeout.Token).ConfigureAwait(false);
        await output.WriteLineAsync("Stopped.").ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>Writes <paramref name="secret"/> into <paramref name="folder"/>, readable by this user alone; returns its path.</summary>
    private static string WriteSecret(DirectoryInfo folder, string secret)
    {
        var path = Path.Combine(folder.FullName, "admin-secret");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var writer = new StreamWriter(path, options);
        writer.WriteLine(secret);
        return path;
    }

    /// <summary>A host lifetime that leaves starting and stopping to whoever holds the host.</summary>
    private sealed class StoppedByCaller : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
