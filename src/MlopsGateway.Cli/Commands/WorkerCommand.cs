using System.CommandLine;
using Microsoft.Extensions.Hosting;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops worker</c>: the worker role alone.</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port to listen on.", DefaultValueFactory = _ => 5001 };
        var models = new Option<string>("--models")
        {
            Description = "Model repository folder: <model>/<version>/model.onnx, with an optional config.json beside each model.",
            Required = true,
        };
        var watch = new Option<bool>("--watch") { Description = "Reload a model when files under its folder change." };
        var samples = new Option<bool>("--write-samples") { Description = "Write the sample models into the folder first when it holds none." };
        var metricsPort = ServerOptions.MetricsPort("--metrics-port", 9101);
        var bind = ServerOptions.Bind("0.0.0.0");
        var redis = new Option<string?>("--redis") { Description = "Register in this Redis (gateways discover workers there). Left out: no registration; give gateways --worker." };
        var advertise = new Option<string?>("--advertise") { Description = "The address gateways should use, e.g. http://10.0.0.5:5001. Left out: the bound address, a wildcard replaced by the host name." };
        var drainDelay = ServerOptions.Duration("--drain-delay",
            "On Ctrl-C or SIGTERM, how long the worker keeps answering calls while it drains (leaves Redis with --redis, fails its health checks, marks its answers draining), so gateways stop sending it calls and those already sent are answered before it stops. 0 stops at once.",
            "1s", "1s, 500ms, 0");
        var verbose = ServerOptions.Verbose();
        var command = new Command("worker", "Run a worker alone: serves the models in a repository folder over the Open Inference Protocol.")
        {
            port, models, watch, samples, metricsPort, bind, redis, advertise, drainDelay, verbose,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var folder = parse.GetValue(models)!;
            if (parse.GetValue(samples) && SampleModels.WriteIfEmpty(folder))
            {
                await Console.Out.WriteLineAsync($"Wrote sample models to {Path.GetFullPath(folder)}").ConfigureAwait(false);
            }
            var connection = parse.GetValue(redis) is { } address ? await RedisConnector.ConnectAsync(address).ConfigureAwait(false) : null;
            await using var _ = connection;
            var app = WorkerHost.Build(ServerOptions.Endpoint(parse.GetValue(bind)!, parse.GetValue(port)),
                o =>
                {
                    o.ModelRepository = folder;
                    o.WatchRepository = parse.GetValue(watch);
                    o.DrainDelay = ServerOptions.DurationOf(parse, drainDelay);
                }, ConsoleLogging.For(parse.GetValue(verbose)),
                ServerOptions.Endpoint(parse.GetValue(bind)!, parse.GetValue(metricsPort)),
                connection is null ? null : w => w.AddRedisRegistration(connection, o => o.AdvertiseAddress = parse.GetValue(advertise)));
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            await Console.Out.WriteLineAsync($"Worker listening on {ServerEndpoints.GrpcAddress(app)} (metrics: {ServerEndpoints.MetricsAddress(app)}/metrics); Ctrl-C stops it.").ConfigureAwait(false);
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
