using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Hosting;
using MlopsGateway.Monitoring;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Explanations;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops worker</c>: the worker role alone.</summary>
internal static class WorkerCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var port = ServerOptions.Port("--port", "Port to listen on.", 5001);
        var models = new Option<string?>("--models")
        {
            Description = "Model repository folder: <model>/<version>/model.onnx, with an optional config.json beside each model (or --registry).",
        };
        var registry = new RegistryWorkerOptions();
        var sketches = new SketchWorkerOptions();
        var watch = new Option<bool>("--watch") { Description = "Reload a model when files under its folder change." };
        var samples = new Option<bool>("--write-samples") { Description = "Write the sample models into the folder first when it holds none." };
        var metricsPort = ServerOptions.MetricsPort("--metrics-port", 9101);
        // Loopback unless told otherwise: a worker is for its gateways, not for the network at large.
        var bind = ServerOptions.Bind("127.0.0.1");
        var metricsBind = ServerOptions.MetricsBind();
        var workerSecret = SecretOptions.WorkerSecretFile("calls without it are refused UNAUTHENTICATED (give the gateways the same).");
        var adminSecret = SecretOptions.AdminSecretFile("the repository rpcs (mlops models) need it; without one they are refused.");
        var insecure = new Option<bool>("--insecure-no-worker-secret")
        {
            Description = "Serve anyone who reaches the port, with no worker secret (and, without --admin-secret-file, let anyone load and unload models). Only where nothing untrusted can reach it.",
        };
        var redis = environment.FallBack(new Option<string?>("--redis")
        {
            Description = "Register in this Redis (gateways discover workers there); with none, no registration (give gateways --worker).",
        }, CliEnvironment.Redis);
        var advertise = TypedOptions.HttpAddress("--advertise",
            "The address gateways should use, e.g. http://10.0.0.5:5001 (https:// with --tls-cert). Left out: the bound address, a wildcard replaced by the host name.",
            null, "http://10.0.0.5:5001");
        var redisCa = ServerOptions.RedisCa(environment);
        var tlsCert = ServerOptions.TlsCertificate();
        var tlsKey = ServerOptions.TlsKey();
        var drainDelay = ServerOptions.Duration("--drain-delay",
            "On Ctrl-C or SIGTERM, how long the worker keeps answering calls while it drains (leaves Redis with --redis, fails its health checks, marks its answers draining), so gateways stop sending it calls and those already sent are answered before it stops. 0 stops at once.",
            "1s", "1s, 500ms, 0");
        var predictions = new PredictionRecordFlags();
        var verbose = ServerOptions.Verbose();
        var command = new Command("worker", "Run a worker alone: serves the models in a repository folder, or the model registry's (--registry), over the Open Inference Protocol.")
        {
            port, models, registry.Registry, registry.Artifacts, registry.Serve, registry.Cache, watch, samples, metricsPort, bind, metricsBind, tlsCert, tlsKey, redis, redisCa, advertise, drainDelay, workerSecret, adminSecret, insecure, verbose,
            sketches.FlushInterval, sketches.Off,
        };
        foreach (var option in predictions.All)
        {
            command.Options.Add(option);
        }
        command.SetAction(async (parse, cancellationToken) =>
        {
            var workerSecrets = SecretOptions.Read(parse, workerSecret, environment, CliEnvironment.WorkerSecret, "WorkerSecrets");
            var adminSecrets = SecretOptions.Read(parse, adminSecret, environment, CliEnvironment.AdminSecret, "AdminSecrets");
            if (workerSecrets.Count == 0 && !parse.GetValue(insecure))
            {
                throw new SettingRefusedException("WorkerSecrets", SecretOptions.WorkerSources,
                    "a worker answers only callers with its secret; give the gateways' worker secret, or --insecure-no-worker-secret to serve anyone who reaches the port.");
            }
            var fromRegistry = parse.GetValue(registry.Registry);
            var folder = parse.GetValue(models) ?? "";
            registry.Check(parse, folder, environment.ValueOf(parse, redis));
            if (!fromRegistry && parse.GetValue(samples) && SampleModels.WriteIfEmpty(folder))
            {
                await Console.Out.WriteLineAsync($"Wrote sample models to {Path.GetFullPath(folder)}").ConfigureAwait(false);
            }
            var tls = ServerOptions.Certificate(parse.GetValue(tlsCert), parse.GetValue(tlsKey));
            var keys = NamespaceOption.Keys(parse, environment);
            var connection = environment.ValueOf(parse, redis) is { } address
                ? await RedisHandle.ConnectAsync(address, environment.ValueOf(parse, redisCa)).ConfigureAwait(false)
                : null;
            await using var _ = connection;
            var bound = parse.GetValue(bind)!;
            await using var app = WorkerHost.Build(new IPEndPoint(bound, parse.GetValue(port)),
                o =>
                {
                    o.ModelRepository = folder;
                    o.WatchRepository = parse.GetValue(watch);
                    o.DrainDelay = parse.GetValue(drainDelay).Value;
                    o.WorkerSecrets = [.. workerSecrets];
                    o.AdminSecrets = [.. adminSecrets];
                }, ConsoleLogging.For(parse.GetValue(verbose)),
                new IPEndPoint(parse.GetValue(metricsBind)!, parse.GetValue(metricsPort)),
                connection is null ? null : w =>
                {
                    w.AddRedisRegistration(connection, o =>
                    {
                        o.AdvertiseAddress = parse.GetValue(advertise)?.OriginalString;
                        o.Namespace = keys.Namespace;
                    });
                    sketches.Apply(parse, w, connection, keys.Namespace);
                    // Explanations take their background from the version's baseline, which lives in Redis.
                    w.AddExplanations(connection, keys.Namespace);
                    predictions.Apply(parse, w, connection, keys.Namespace);
                    if (fromRegistry)
                    {
                        w.AddRegistryModels(connection, o =>
                        {
                            registry.Apply(parse, o);
                            o.Namespace = keys.Namespace;
                        });
                    }
                },
                tls);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            await Console.Out.WriteLineAsync($"Worker listening on {ServerEndpoints.GrpcAddress(app)} (metrics: {ServerEndpoints.MetricsAddress(app)}/metrics); Ctrl-C stops it.").ConfigureAwait(false);
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
