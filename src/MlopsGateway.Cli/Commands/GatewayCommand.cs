using System.CommandLine;
using Microsoft.Extensions.Hosting;
using MlopsGateway.Monitoring;
using MlopsGateway.Gateway;
using MlopsGateway.Worker;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops gateway</c>: the gateway role alone.</summary>
internal static class GatewayCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port to listen on.", DefaultValueFactory = _ => 5000 };
        var workers = new Option<string[]>("--worker")
        {
            Description = "Worker address, e.g. http://10.0.0.5:5001 (repeat for several).",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var redis = ServerOptions.Redis();
        var metricsPort = ServerOptions.MetricsPort("--metrics-port", 9100);
        var bind = ServerOptions.Bind("0.0.0.0");
        var verbose = ServerOptions.Verbose();
        var command = new Command("gateway", "Run the gateway alone: authenticates callers and forwards OIP calls to workers.")
        {
            port, workers, redis, metricsPort, bind, verbose,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var handle = await RedisHandle.OpenAsync(parse.GetValue(redis)).ConfigureAwait(false);
            if (handle.IsEmbedded)
            {
                await Console.Out.WriteLineAsync(
                    $"No --redis given: embedded Redis at {handle.Address}. Create keys with: mlops keys create --redis {handle.Address} --name NAME")
                    .ConfigureAwait(false);
            }
            var app = GatewayHost.Build(ServerOptions.Endpoint(parse.GetValue(bind)!, parse.GetValue(port)), handle.Connection,
                o => o.Workers.AddRange(parse.GetValue(workers)!), ConsoleLogging.For(parse.GetValue(verbose)),
                ServerOptions.Endpoint(parse.GetValue(bind)!, parse.GetValue(metricsPort)));
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            await Console.Out.WriteLineAsync($"Gateway listening on {ServerEndpoints.GrpcAddress(app)} (metrics: {ServerEndpoints.MetricsAddress(app)}/metrics); Ctrl-C stops it.").ConfigureAwait(false);
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
