using System.CommandLine;
using MlopsGateway.LoadTest;

namespace MlopsGateway.Cli.Commands;

/// <summary>
/// <c>mlops loadtest merge</c>: one report from the <c>--hdr-log</c> files of agents that ran the same
/// plan at the same time, with the tables, SLO check, JSON, markdown and charts of a single run.
/// </summary>
internal static class LoadTestMergeCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("FILE")
        {
            Description = "The agents' --hdr-log files, or folders: every *.hlog in a folder is read.",
            Arity = ArgumentArity.OneOrMore,
        };
        var slo = LoadTestOptions.SloOption("Objectives every level of the combined load must meet, else exit code 1: ");
        var json = new Option<string?>("--json") { Description = "Write the combined report as JSON to this file." };
        var markdown = new Option<string?>("--markdown") { Description = "Write the combined report as markdown to this file." };
        var plot = new Option<string?>("--plot") { Description = "Write PNG charts of the combined report into this folder." };
        var command = new Command("merge", """
            Combine the --hdr-log files of load agents that ran the same plan at the same time (say one per machine, or the pods of deploy/k8s/loadtest) into one report, as if one client had sent all their load.
            Per level, every agent's measured latencies are added (HdrHistogram, no precision lost) and failures are added by gRPC status; a level's time runs from the first agent's first measured interval to the last one's end, so ok/s is the fleet's. The latency-over-time chart aligns the agents by absolute time, one point per sample interval. Warm-ups are counted, not measured, as in a single run.
            Refused: logs of different plans (model, version, mode, levels, rows per request, sample interval) and files that are not mlops loadtest --hdr-log logs; the error names the file and what differs.
            Exit codes: 0 merged and every --slo met; 1 an SLO was missed, or an option was refused; 2 a file could not be read or the logs do not belong together, or no request succeeded.
            Examples:
              mlops loadtest merge agent1.hlog agent2.hlog --slo "p99<50ms,errors<0.1%"
              mlops loadtest merge /results --markdown /results/merged.md --plot /results/charts
            """);
        command.Arguments.Add(files);
        command.Options.Add(slo);
        command.Options.Add(json);
        command.Options.Add(markdown);
        command.Options.Add(plot);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var logs = new List<AgentLog>();
            try
            {
                foreach (var path in Expand(parse.GetValue(files)!))
                {
                    logs.Add(AgentLog.Read(path));
                }
                var merged = LogMerge.Merge(logs);
                var report = merged with { Slo = SloOutcome.Evaluate(parse.GetValue(slo)!, merged.Levels) };
                var console = new LoadTestConsole(output);
                console.Begin(report);
                await output.WriteLineAsync($"merged {logs.Count} logs: {string.Join(", ", logs.Select(l => Path.GetFileName(l.Path)))}").ConfigureAwait(false);
                foreach (var unfinished in logs.Where(l => !l.Finished))
                {
                    console.Warn($"{unfinished.Path} has no end: that agent stopped before its run finished; what it measured is included.");
                }
                console.Finish(report);
                return await LoadTestCommand.FinishAsync(report, parse.GetValue(json), parse.GetValue(markdown), parse.GetValue(plot), output, error)
                    .ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"Cannot merge: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
        });
        return command;
    }

    private static IEnumerable<string> Expand(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var found = Directory.GetFiles(path, "*.hlog").Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0)
                {
                    throw new IOException($"The folder {path} holds no *.hlog file.");
                }
                foreach (var file in found)
                {
                    yield return file;
                }
            }
            else if (!File.Exists(path))
            {
                throw new IOException($"{path}: no such file or folder.");
            }
            else
            {
                yield return path;
            }
        }
    }
}
