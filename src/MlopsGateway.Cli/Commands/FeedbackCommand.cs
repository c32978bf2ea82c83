using System.CommandLine;
using Grpc.Core;
using Grpc.Net.Client;
using MlopsGateway.Contracts.Feedback;
using MlopsGateway.Registry.Feedback;

namespace MlopsGateway.Cli.Commands;

/// <summary>
/// <c>mlops feedback send|exclude</c>: ground truth for recorded predictions, through the gateway
/// (<c>mlops.v1.Feedback</c>, a key with the <c>feedback</c> scope), and leaving one sender's labels
/// out of the figures (in Redis, audited).
/// </summary>
internal static class FeedbackCommand
{
    /// <summary>Labels per SubmitBatch call.</summary>
    internal const int BatchSize = 500;

    /// <summary>How often labels refused over the quota are sent again before they count as refused.</summary>
    internal const int QuotaRetries = 20;

    public static Command Create(CliEnvironment environment)
    {
        var feedback = new Command("feedback", "Ground truth: labels for recorded predictions (by the answer's id), and whose labels count.");
        feedback.Subcommands.Add(Send(environment));
        feedback.Subcommands.Add(Exclude(environment));
        return feedback;
    }

    private static Command Send(CliEnvironment environment)
    {
        var gateway = TypedOptions.HttpAddress("--gateway", "Gateway address.", "http://127.0.0.1:5000", "http://127.0.0.1:5000");
        gateway.Aliases.Add("--target");
        var apiKey = environment.FallBack(new Option<string?>("--api-key") { Description = "API key with the feedback scope, sent as x-api-key." }, CliEnvironment.ApiKey);
        var token = new Option<string?>("--token") { Description = "A JWT bearer token with the feedback scope instead of an API key." };
        var model = new Option<string>("--model") { Description = "The model whose predictions are labelled.", Required = true };
        var id = new Option<string?>("--id") { Description = "The prediction's id: the request's id, or the answer's 'id'." };
        var label = new Option<string?>("--label") { Description = "The truth: a class name or index, or a regressor's number." };
        var file = new Option<FileInfo?>("--file") { Description = "A CSV of labels: a header naming 'id' and 'label', one label a line (instead of --id and --label)." };
        var timeout = new Option<double>("--timeout") { Description = "Deadline of each call, in seconds.", DefaultValueFactory = _ => 30, HelpName = "seconds" }
            .Within(double.Epsilon, 86_400, "--timeout must be above 0 and at most 86400 seconds, not {0}.");
        var send = new Command("send", "Send labels through the gateway: one (--id, --label) or a CSV of many (--file), with a summary; exit 1 when any is refused.")
        {
            gateway, apiKey, token, model, id, label, file, timeout,
        };
        send.Validators.Add(result =>
        {
            var single = result.GetValue(id) is not null || result.GetValue(label) is not null;
            if (single == (result.GetValue(file) is not null) || (single && (result.GetValue(id) is null || result.GetValue(label) is null)))
            {
                result.AddError("Give --id and --label for one label, or --file for a CSV of many.");
            }
        });
        send.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            IReadOnlyList<(string Id, string Label)> labels;
            try
            {
                labels = parse.GetValue(file) is { } csv
                    ? ReadFile(csv)
                    : [(parse.GetValue(id)!, parse.GetValue(label)!)];
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return ExitCodes.Refused;
            }
            var headers = new Metadata();
            if (environment.ValueOf(parse, apiKey) is { Length: > 0 } key)
            {
                headers.Add("x-api-key", key);
            }
            if (parse.GetValue(token) is { Length: > 0 } bearer)
            {
                headers.Add("authorization", "Bearer " + bearer);
            }
            using var channel = GrpcChannel.ForAddress(parse.GetValue(gateway)!);
            var client = new Feedback.FeedbackClient(channel);
            var sender = new FeedbackSender(client, headers, TimeSpan.FromSeconds(parse.GetValue(timeout)), labels.Count > BatchSize ? error : null);
            try
            {
                var summary = await sender.SendAsync(parse.GetValue(model)!, labels, cancellationToken).ConfigureAwait(false);
                await summary.WriteAsync(parse.InvocationConfiguration.Output, labels.Count).ConfigureAwait(false);
                return summary.Refused == 0 ? ExitCodes.Ok : ExitCodes.Refused;
            }
            catch (RpcException ex)
            {
                await error.WriteLineAsync($"{ex.StatusCode}: {ex.Status.Detail}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
        });
        return send;
    }

    private static IReadOnlyList<(string, string)> ReadFile(FileInfo file)
    {
        using var reader = new StreamReader(file.FullName);
        return FeedbackLabels.Read(reader, file.Name);
    }

    private static Command Exclude(CliEnvironment environment)
    {
        var key = new Option<string>("--key") { Description = "The sender: an API key id ('mlops keys list'), or jwt:SUBJECT for a token.", Required = true };
        var undo = new Option<bool>("--undo") { Description = "Count the sender's labels again." };
        var actor = new Option<string>("--actor", "--by")
        {
            Description = "Who makes the change, for the audit trail.",
            DefaultValueFactory = _ => $"{Environment.UserName}@{Environment.MachineName}",
        };
        var exclude = new Command("exclude", "Leave one sender's labels (sent and to come) out of every accuracy figure, or count them again with --undo; recorded in {NAMESPACE}:feedback:audit.")
        {
            RedisCommands.RedisRequired(environment), key, undo, actor,
        };
        exclude.SetAction(async (parse, _) => await RedisCommands.RunAsync(parse, environment, async (redis, keys) =>
        {
            var sender = parse.GetValue(key)!;
            var undone = parse.GetValue(undo);
            var changed = await new FeedbackStore(redis, keys).ExcludeAsync(sender, undone, parse.GetValue(actor)).ConfigureAwait(false);
            await parse.InvocationConfiguration.Output.WriteLineAsync((undone, changed) switch
            {
                (false, true) => $"Labels sent by {sender} are left out of the figures from now on ('--undo' counts them again).",
                (false, false) => $"Labels sent by {sender} were already left out.",
                (true, true) => $"Labels sent by {sender} count again.",
                (true, false) => $"Labels sent by {sender} were not left out.",
            }).ConfigureAwait(false);
            return ExitCodes.Ok;
        }).ConfigureAwait(false));
        return exclude;
    }
}
