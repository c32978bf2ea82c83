using System.CommandLine;
using System.Globalization;
using MlopsGateway.Monitoring.Baselines;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Drift;
using MlopsGateway.Registry.Models;
using StackExchange.Redis;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops monitor baseline capture M V --rows N</c>: a version's baseline made from its first N rows of live traffic.</summary>
internal static class MonitorBaselineCommand
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(500);

    public static Command Create(CliEnvironment environment)
    {
        var model = new Argument<string>("model") { Description = "The model name." };
        var version = new Argument<string>("version") { Description = "The version whose traffic is captured." };
        var rows = new Option<int>("--rows")
        {
            Description = $"How many rows to capture (1 to {CaptureRequest.MaxRows}).",
            Required = true,
        };
        var timeout = ServerOptions.Duration("--timeout", "How long to wait for the rows before giving up (the request is then withdrawn).", "10m", "10m, 30s");
        var names = TypedOptions.Names("--feature-names", "The input's feature names in column order (left out: the version's current baseline's, else INPUT[0], INPUT[1], ...).");
        var categorical = TypedOptions.Names("--categorical", "The features whose values are category codes rather than amounts.");
        var capture = new Command("capture",
            "Capture a version's baseline from live traffic: workers serving it (with --redis, sketches on) copy its first --rows rows and their predictions into Redis; the profile is made from them and stored with the version (source 'traffic').")
        {
            model, version, rows, timeout, names, categorical, RedisCommands.RedisRequired(environment),
        };
        capture.SetAction((parse, cancellationToken) => RedisCommands.RunAsync(parse, environment, (redis, keys) =>
            CaptureAsync(parse, redis, keys, new(parse.GetValue(model)!, parse.GetValue(version)!, parse.GetValue(rows), DateTimeOffset.UtcNow),
                parse.GetValue(timeout).Value, parse.GetValue(names) ?? [], parse.GetValue(categorical) ?? [], cancellationToken)));
        return new Command("baseline", "Baseline profiles of model versions: what drift is measured against.") { capture };
    }

    private static async Task<int> CaptureAsync(
        ParseResult parse, ConnectionMultiplexer redis, RedisKeys keys, CaptureRequest request, TimeSpan timeout,
        string[] featureNames, string[] categorical, CancellationToken cancellationToken)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        if ((ModelNames.CheckModel(request.Model) ?? ModelNames.CheckVersion(request.Version)) is { } badName)
        {
            await error.WriteLineAsync($"Refused: {badName}.").ConfigureAwait(false);
            return ExitCodes.Refused;
        }
        if (request.Rows is < 1 or > CaptureRequest.MaxRows)
        {
            await error.WriteLineAsync($"Refused (--rows): give 1 to {CaptureRequest.MaxRows} rows, not {request.Rows}.").ConfigureAwait(false);
            return ExitCodes.Refused;
        }
        var captures = new CaptureStore(redis, keys);
        await captures.RequestAsync(request).ConfigureAwait(false);
        await output.WriteLineAsync($"Capturing {request.Rows} rows of {request.Model} version {request.Version} from the workers serving it...").ConfigureAwait(false);
        try
        {
            var stored = await WaitForRowsAsync(captures, request, timeout, output, cancellationToken).ConfigureAwait(false);
            if (stored < request.Rows)
            {
                await error.WriteLineAsync(
                    $"Timed out after {timeout.TotalSeconds:0} s with {stored} of {request.Rows} rows: is a worker with --redis (and without --no-sketches) serving {request.Model} version {request.Version}, and is it getting calls? The request is withdrawn.")
                    .ConfigureAwait(false);
                return ExitCodes.Failed;
            }
            var source = await captures.SourceAsync(request.Model, request.Version).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The workers stored rows of {request.Model} version {request.Version} but did not say which input they are of.");
            var read = await captures.ReadRowsAsync(request.Model, request.Version, source.Features).ConfigureAwait(false);
            foreach (var fault in read.Faults)
            {
                await error.WriteLineAsync($"Skipped a captured row at {fault.Key}: {fault.Fault}").ConfigureAwait(false);
            }
            // A baseline's bins are made from numbers; rows with NaN or infinities say nothing about them.
            var usable = read.Records.Where(r => r.Features.All(float.IsFinite)).ToList();
            if (usable.Count < read.Records.Count)
            {
                await output.WriteLineAsync($"Left out {read.Records.Count - usable.Count} rows holding NaN or infinite values.").ConfigureAwait(false);
            }
            if (usable.Count == 0)
            {
                await error.WriteLineAsync("Refused: no captured row holds only finite values, so no bins can be made.").ConfigureAwait(false);
                return ExitCodes.Refused;
            }
            var baselines = new BaselineStore(redis, keys);
            var names = featureNames.Length > 0 ? featureNames : await NamesAsync(baselines, request, source).ConfigureAwait(false);
            if (names.Count != source.Features)
            {
                await error.WriteLineAsync($"Refused (--feature-names): {names.Count} names for input '{source.Input}', which has {source.Features} features.").ConfigureAwait(false);
                return ExitCodes.Refused;
            }
            var spec = new BaselineSpec(request.Model, request.Version, source.Input, "traffic", names) { Categorical = categorical };
            var profile = BaselineBuilder.Build(spec, [.. usable.Select(r => r.Features.ToArray())], Predictions(source, usable));
            await baselines.SetAsync(profile).ConfigureAwait(false);
            await output.WriteLineAsync(
                $"Stored the baseline of {request.Model} version {request.Version}: {profile.Rows} rows of traffic, {profile.Features.Count} features ({string.Join(", ", profile.Features.Select(f => f.Name))}), {(profile.Prediction is null ? "no prediction profile" : $"prediction as {profile.Prediction.Kind.ToString().ToLowerInvariant()}")}.")
                .ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        finally
        {
            // Done, refused, timed out or stopped: the workers stop copying rows.
            await captures.ClearAsync(request.Model, request.Version).ConfigureAwait(false);
        }
    }

    private static async Task<long> WaitForRowsAsync(CaptureStore captures, CaptureRequest request, TimeSpan timeout, TextWriter output, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        long shown = -1;
        while (true)
        {
            var stored = await captures.CountAsync(request.Model, request.Version).ConfigureAwait(false);
            if (stored != shown)
            {
                await output.WriteLineAsync($"  {Math.Min(stored, request.Rows)} of {request.Rows} rows").ConfigureAwait(false);
                shown = stored;
            }
            if (stored >= request.Rows || DateTimeOffset.UtcNow >= deadline)
            {
                return stored;
            }
            await Task.Delay(s_poll, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The names of the version's current baseline when it has the same input, else <c>INPUT[i]</c>.</summary>
    private static async Task<IReadOnlyList<string>> NamesAsync(BaselineStore baselines, CaptureRequest request, CaptureSource source)
    {
        try
        {
            if (await baselines.GetAsync(request.Model, request.Version).ConfigureAwait(false) is { } current
                && current.Input == source.Input && current.Features.Count == source.Features)
            {
                return [.. current.Features.Select(f => f.Name)];
            }
        }
        catch (ModelRegistryException)
        {
            // An unusable baseline is being replaced: its names are no guide.
        }
        return [.. Enumerable.Range(0, source.Features).Select(i => string.Create(CultureInfo.InvariantCulture, $"{source.Input}[{i}]"))];
    }

    private static BaselinePredictions? Predictions(CaptureSource source, IReadOnlyList<CapturedRow> rows)
    {
        if (rows.Count == 0 || rows.Any(r => r.Prediction is not { } p || !double.IsFinite(p)))
        {
            return null;
        }
        if (source.Prediction == CaptureSource.ValuePrediction)
        {
            return BaselinePredictions.Regression([.. rows.Select(r => r.Prediction!.Value)]);
        }
        if (source.Prediction != CaptureSource.ClassPrediction)
        {
            return null;
        }
        var indices = rows.Select(r => (int)r.Prediction!.Value).ToArray();
        var classes = source.Classes.Count > indices.Max() ? source.Classes
            : [.. Enumerable.Range(0, indices.Max() + 1).Select(i => i.ToString(CultureInfo.InvariantCulture))];
        return indices.Min() < 0 ? null : BaselinePredictions.Classes(indices, classes);
    }
}
