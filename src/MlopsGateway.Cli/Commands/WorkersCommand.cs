using System.CommandLine;
using System.Globalization;
using MlopsGateway.Registry;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops workers</c>: the workers registered in Redis, as gateways discover them.</summary>
internal static class WorkersCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("workers", "List the workers registered in Redis: address, readiness, heartbeat age, model versions served, and per version its queue depth and the batches it ran over the last heartbeat interval (count, mean and largest rows; '-' for workers that do not report them).")
        {
            RedisCommands.RedisRequired(environment),
        };
        command.SetAction((parse, _) => RedisCommands.RunAsync(parse, environment, async (redis, keys) =>
        {
            var workers = await new WorkerStore(redis, keys).ListAsync().ConfigureAwait(false);
            if (workers.Count == 0)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync("No worker is registered. Start one with: mlops worker --models DIR --redis ADDRESS").ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            var now = DateTimeOffset.UtcNow;
            await parse.InvocationConfiguration.Output.WriteLineAsync($"{"ID",-32}{"ADDRESS",-28}{"READY",-7}{"HEARTBEAT",-11}MODELS").ConfigureAwait(false);
            foreach (var w in workers)
            {
                var models = string.Join("; ", w.Models.GroupBy(m => m.Model).Select(g => $"{g.Key} ({string.Join(", ", g.Select(m => m.Version))})"));
                await parse.InvocationConfiguration.Output.WriteLineAsync($"{w.Id,-32}{w.Address,-28}{(w.Ready ? "yes" : "no"),-7}{$"{(now - w.HeartbeatAt).TotalSeconds:0.0}s ago",-11}{models}").ConfigureAwait(false);
                await parse.InvocationConfiguration.Output.WriteLineAsync($"{"",-32}load: {LoadText(w.Load)}").ConfigureAwait(false);
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Per version: queue depth now, then the last heartbeat interval's batches, mean and largest rows.</summary>
    internal static string LoadText(IReadOnlyList<VersionLoad>? load) =>
        load is null ? "-" : load.Count == 0 ? "no version loaded" : string.Join("; ", load.Select(l =>
            string.Create(CultureInfo.InvariantCulture, $"{l.Model} {l.Version}: queue {l.QueueDepth}, {l.Batches} batches, mean {l.MeanBatchSize:0.0}, max {l.MaxBatchSize}")));
}
