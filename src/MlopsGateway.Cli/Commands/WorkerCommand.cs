using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Hosting;
using MlopsGateway.Monitoring;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops worker</c>: the worker role alone.</summary>
internal static class WorkerCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var port = ServerOptions.Port("--port", "Port to listen on.", 5001);
        var models = new Option<string>("--models")
        {
            Description = "Model repository folder: <model>/<version>/model.onnx, with an optional config.json beside each model.",
            Required = true,
        };
        var watch = new Option<bool>("--watch") { Description = "Reload a model when files under its folder change." };
        var samples = new Option<bool>("--write-samples") { Description = "Write the sample models into the folder first when it holds none." };
        var metricsPort = ServerOptions.MetricsPort("--metrics-port", 9101);
        var bind = ServerOptions.Bind("0.0.0.0");
        var metricsBind = ServerOptions.MetricsBind();
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
        var verbose = ServerOptions.Verbose();
        var command = new Command("worker", "Run a worker alone: serves the models in a repository folder over the Open Inference Protocol.")
        {
            port, models, watch, samples, metricsPort, bind, metricsBind, tlsCert, tlsKey, redis, redisCa, advertise, drainDelay, verbose,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var folder = parse.GetValue(models)!;
            if (parse.GetValue(samples) && SampleModels.WriteIfEmpty(folder))
            {
                await Console.Out.WriteLineAsync($"Wrote sample models to {Path.GetFullPath(folder)}").ConfigureAwait(false);
            }
            var tls = ServerOptions.Certificate(parse.GetValue(tlsCert), parse.GetValue(tlsKey));
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
                }, ConsoleLogging.For(parse.GetValue(verbose)),
                new IPEndPoint(parse.GetValue(metricsBind)!, parse.GetValue(metricsPort)),
                connection is null ? null : w => w.AddRedisRegistration(connection, o => o.AdvertiseAddress = parse.GetValue(advertise)?.OriginalString),
                tls);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            await Console.Out.WriteLineAsync($"Worker listening on {ServerEndpoints.GrpcAddress(app)} (metrics: {ServerEndpoints.MetricsAddress(app)}/metrics); Ctrl-C stops it.").ConfigureAwait(false);
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
