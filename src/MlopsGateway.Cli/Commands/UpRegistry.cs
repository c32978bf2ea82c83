using MlopsGateway.Registry;
using MlopsGateway.Registry.Artifacts;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Models;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Publishing;
using StackExchange.Redis;

namespace MlopsGateway.Cli.Commands;

/// <summary>
/// <c>mlops up</c>'s model registry: the versions in its models folder are pushed into an artefact
/// store under its data folder, and its worker serves the registry, so what a newcomer pushes there
/// with <c>mlops models push</c> is loaded as in a real deployment.
/// </summary>
/// <param name="Data">The folder up keeps its registry files in.</param>
internal sealed record UpRegistry(string Data)
{
    /// <summary>The alias up points at version 1 of each model it registers, unless one is set already.</summary>
    public const string Champion = "champion";

    /// <summary>Who up's pushes and alias moves are recorded as.</summary>
    public const string By = "mlops up";

    /// <summary>The artefact store's directory: <c>mlops models push --artifacts</c> takes it.</summary>
    public string Artifacts => Path.GetFullPath(Path.Combine(Data, "artifacts"));

    /// <summary>Where the worker keeps its verified copies of the store's files.</summary>
    public string Cache => Path.GetFullPath(Path.Combine(Data, "cache"));

    /// <summary>
    /// Pushes every <c>M/V/model.onnx</c> under <paramref name="models"/> as version V of M (a version
    /// holding these bytes already is left as it is) and points <see cref="Champion"/> at version 1 of
    /// each model that has none; writes a line per version to <paramref name="output"/>. A version the
    /// registry refuses (other bytes under its number, say) is reported and skipped: up still serves the rest.
    /// A version with training data beside it (<see cref="SampleModels.TrainingFileName"/> in its folder or
    /// its model's) and no baseline yet gets its baseline from it; one stored already (captured from traffic,
    /// say) is left as it is. With <paramref name="routes"/>, a model given its first champion that has no
    /// route is routed to version 1 as stable, so calls naming no version get the champion, and a version
    /// pushed later takes no traffic until a rollout gives it some (without a route they get the latest).
    /// </summary>
    public async Task PublishAsync(string models, ModelRegistry registry, BaselineStore baselines, TextWriter output, CancellationToken cancellationToken,
        RouteStore? routes = null)
    {
        var publisher = new ModelPublisher(registry, new ArtifactDirectory(Artifacts), baselines);
        foreach (var folder in Directory.EnumerateDirectories(models).Order(StringComparer.Ordinal))
        {
            var model = Path.GetFileName(folder);
            var pushed = new List<string>();
            foreach (var file in Directory.EnumerateFiles(folder, WorkerOptions.ModelFileName, SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var version = Path.GetFileName(Path.GetDirectoryName(file)!);
                try
                {
                    var training = await TrainingDataAsync(folder, file, baselines, model, version).ConfigureAwait(false);
                    var result = await publisher.PushAsync(file, new ModelPushRequest(model, By, version, "Written by mlops up.", Baseline: training), cancellationToken).ConfigureAwait(false);
                    var r = result.Record;
                    await output.WriteLineAsync(result.Created
                        ? $"Registered '{r.Model}' version {r.Version} (new), {ModelText.Status(r)}."
                        : $"'{r.Model}' version {r.Version} unchanged in the registry, {ModelText.Status(r)}.").ConfigureAwait(false);
                    if (result.Baseline is { } baseline)
                    {
                        await output.WriteLineAsync(BaselineText.Stored(baseline, result.PredictionSkipped)).ConfigureAwait(false);
                    }
                    if (r.IsServable)
                    {
                        pushed.Add(r.Version);
                    }
                }
                catch (ModelRegistryException e)
                {
                    await output.WriteLineAsync($"'{model}' version {version} not registered: {e.Message}").ConfigureAwait(false);
                }
            }
            // An alias someone moved stays where they put it: up only gives a new model its first champion.
            if (pushed.Contains("1", StringComparer.Ordinal) && await registry.ResolveAliasAsync(model, Champion).ConfigureAwait(false) is null)
            {
                await registry.SetAliasAsync(model, Champion, "1", By).ConfigureAwait(false);
                await output.WriteLineAsync($"Pointed '{model}' @{Champion} at version 1.").ConfigureAwait(false);
                // up's own worker serves the registry but has not registered yet: the route is checked without it.
                if (routes is not null && await routes.GetAsync(model).ConfigureAwait(false) is null)
                {
                    await routes.ChangeAsync(model, (current, _) => current ?? new RouteRecord(model, "1"), By, requireRegisteredWorkers: false).ConfigureAwait(false);
                    await output.WriteLineAsync($"Routed '{model}' to version 1 (stable): calls naming no version get it, and a version pushed later gets none until 'mlops rollout start' (or 'canary') gives it some.").ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// The training data to push <paramref name="version"/> with: the version folder's file, else the model
    /// folder's; none when there is none or the version has a usable baseline already. The sample model's
    /// folder written by an older up lacks its file, which is written then.
    /// </summary>
    private static async Task<PushBaseline?> TrainingDataAsync(string folder, string file, BaselineStore baselines, string model, string version)
    {
        if (model == SampleModels.Propensity && !File.Exists(Path.Combine(folder, SampleModels.TrainingFileName)))
        {
            SampleModels.WritePropensityTraining(folder);
        }
        string[] candidates = [Path.Combine(Path.GetDirectoryName(file)!, SampleModels.TrainingFileName), Path.Combine(folder, SampleModels.TrainingFileName)];
        if (candidates.FirstOrDefault(File.Exists) is not { } training)
        {
            return null;
        }
        try
        {
            return await baselines.GetAsync(model, version).ConfigureAwait(false) is null ? new PushBaseline(training) : null;
        }
        catch (ModelRegistryException)
        {
            // A baseline that cannot be used is replaced by one from the training data.
            return new PushBaseline(training);
        }
    }

    /// <summary>Has <paramref name="worker"/> serve the registry in <paramref name="redis"/> from <see cref="Artifacts"/>.</summary>
    public WorkerBuilder Serve(WorkerBuilder worker, IConnectionMultiplexer redis, RedisKeys keys) =>
        worker.AddRegistryModels(redis, o =>
        {
            o.Artifacts = Artifacts;
            o.CacheFolder = Cache;
            o.Namespace = keys.Namespace;
        });
}
