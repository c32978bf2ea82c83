using System.CommandLine;
using System.Globalization;
using MlopsGateway.Registry.Artifacts;
using MlopsGateway.Registry.Models;
using MlopsGateway.Worker.Publishing;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops models push FILE --model M</c>: a new version in the registry and its file in the artefact store.</summary>
internal static class ModelPushCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var file = new Argument<string>("file") { Description = "The ONNX file to push." };
        var model = new Option<string>("--model") { Description = "The model it is a version of.", Required = true };
        var version = new Option<string?>("--version") { Description = "The version to record it as; left out, the highest numbered version plus one." };
        var description = new Option<string?>("--description") { Description = "What the version is, for people." };
        var labels = TypedOptions.Names("--labels", "Free labels, comma-separated (a,b).");
        var source = new Option<string?>("--source") { Description = "Where it was built: a URI, a repository, a notebook." };
        var runId = new Option<string?>("--run-id") { Description = "The training run that made it." };
        var parent = new Option<string?>("--parent") { Description = "The version it was derived from." };
        var metrics = Metrics();
        var trainingData = new Option<string?>("--training-data") { Description = "The training data file; its sha256 is recorded (the file itself stays where it is)." };
        var baseline = new Option<string?>("--baseline")
        {
            Description = "Training data (CSV with a header row of feature names, or JSON rows) to make the version's baseline profile from; its columns must be the model's features (config.json's feature_names beside FILE, else the header).",
        };
        var categorical = TypedOptions.Names("--categorical", "With --baseline: features whose values are category codes, comma-separated (counted by value, not binned).");
        var ignoreColumns = TypedOptions.Names("--ignore-columns", "With --baseline: columns of the file that are not features (an id, the label), comma-separated.");
        var artifacts = environment.FallBack(new Option<string?>("--artifacts")
        {
            Description = "The artefact store's directory (a shared volume in production) the file is copied into, laid out M/V/model.onnx.",
        }, CliEnvironment.Artifacts, required: true);
        var by = ModelRegistryCommands.ByOption();
        var json = RegistryOutput.JsonOption();
        var push = new Command("push", "Push an ONNX file as a new model version: its sha256 and signature are recorded, ONNX Runtime must load it, and it is copied into the artefact store.")
        {
            RedisCommands.RedisRequired(environment), file, model, version, description, labels, source, runId, parent, metrics, trainingData, baseline, categorical, ignoreColumns, artifacts, by, json,
        };
        push.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(file)!;
            var store = environment.ValueOf(parse, artifacts)!;
            if (!File.Exists(path))
            {
                await error.WriteLineAsync($"There is no file '{path}' to push.").ConfigureAwait(false);
                return ExitCodes.Refused;
            }
            if (ArtifactSource.IsUrl(store))
            {
                await error.WriteLineAsync($"--artifacts {store} is a URL, which workers read from; push into the directory it serves.").ConfigureAwait(false);
                return ExitCodes.Refused;
            }
            string? dataSha = null;
            if (parse.GetValue(trainingData) is { } data)
            {
                if (!File.Exists(data))
                {
                    await error.WriteLineAsync($"There is no training data file '{data}' (--training-data).").ConfigureAwait(false);
                    return ExitCodes.Refused;
                }
                dataSha = await FileHash.Sha256Async(data, cancellationToken).ConfigureAwait(false);
            }
            PushBaseline? training = null;
            if (parse.GetValue(baseline) is { } rows)
            {
                if (!File.Exists(rows))
                {
                    await error.WriteLineAsync($"There is no baseline file '{rows}' (--baseline).").ConfigureAwait(false);
                    return ExitCodes.Refused;
                }
                training = new PushBaseline(rows, parse.GetValue(categorical), parse.GetValue(ignoreColumns));
            }
            else if (parse.GetValue(categorical) is { Length: > 0 } || parse.GetValue(ignoreColumns) is { Length: > 0 })
            {
                await error.WriteLineAsync("--categorical and --ignore-columns describe the --baseline file; give it too.").ConfigureAwait(false);
                return ExitCodes.Refused;
            }
            var request = new ModelPushRequest(parse.GetValue(model)!, parse.GetValue(by)!, parse.GetValue(version), parse.GetValue(description) ?? "",
                parse.GetValue(labels), new ModelLineage(parse.GetValue(source), parse.GetValue(runId), parse.GetValue(parent), dataSha), parse.GetValue(metrics), training);
            return await ModelRegistryCommands.WithRegistry(parse, environment, async (registry, baselines) =>
            {
                var result = await new ModelPublisher(registry, new ArtifactDirectory(store), baselines).PushAsync(path, request, cancellationToken).ConfigureAwait(false);
                var r = result.Record;
                if (parse.GetValue(json))
                {
                    await RegistryOutput.WriteJsonAsync(parse, new { created = result.Created, record = r, baseline = result.Baseline }).ConfigureAwait(false);
                }
                else
                {
                    await parse.InvocationConfiguration.Output.WriteLineAsync(result.Created
                        ? $"Pushed '{r.Model}' version {r.Version} (new): sha256 {r.Sha256}, {ModelText.Status(r)}{(r.StatusReason is { } why ? ": " + why : ".")}"
                        : $"'{r.Model}' version {r.Version} unchanged: it holds these bytes already (sha256 {r.Sha256}), {ModelText.Status(r)}.").ConfigureAwait(false);
                    if (result.Baseline is { } stored)
                    {
                        await parse.InvocationConfiguration.Output.WriteLineAsync(BaselineText.Stored(stored, result.PredictionSkipped)).ConfigureAwait(false);
                    }
                }
                return r.Status == ModelStatus.Failed ? ExitCodes.Refused : ExitCodes.Ok;
            }).ConfigureAwait(false);
        });
        return push;
    }

    /// <summary><c>--metric name=value</c>, repeated: named figures recorded with the version.</summary>
    private static Option<IReadOnlyDictionary<string, double>> Metrics() => new("--metric")
    {
        Description = "A named figure to record, name=value (auc=0.91); repeat for more.",
        HelpName = "name=value",
        AllowMultipleArgumentsPerToken = false,
        DefaultValueFactory = _ => new Dictionary<string, double>(StringComparer.Ordinal),
        CustomParser = result =>
        {
            var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var text in result.Tokens.Select(t => t.Value))
            {
                var separator = text.IndexOf('=', StringComparison.Ordinal);
                if (separator <= 0 || !double.TryParse(text[(separator + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                {
                    result.AddError($"--metric '{text}' is not name=value with a number, e.g. auc=0.91.");
                    continue;
                }
                metrics[text[..separator].Trim()] = value;
            }
            return metrics;
        },
    };
}
