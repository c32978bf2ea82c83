using MlopsGateway.Monitoring.Baselines;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Models;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Worker.Publishing;

/// <summary>
/// A push's baseline: the training rows read and matched to the model's features (its config's
/// <c>feature_names</c> beside the file, else the file's header), the model run over them for the
/// prediction's profile, and the profile made. Everything is checked before the version is recorded,
/// so a refused baseline leaves the registry as it was.
/// </summary>
internal static class BaselineMaker
{
    private static readonly string[] s_runnableInputs = ["FP32", "FP64", "INT64", "INT32"];

    /// <summary>The profile of <paramref name="baseline"/>'s rows for the model <paramref name="modelFile"/> holds (its version left empty); what the prediction profile lacks and why, when it does.</summary>
    /// <exception cref="ModelRegistryException">The rows cannot be read, are not the model's features, or the model has no <c>[rows, features]</c> input; the message says which.</exception>
    public static (BaselineProfile Profile, string? PredictionSkipped) Make(string model, string modelFile, byte[] bytes, ModelSignature signature, PushBaseline baseline)
    {
        var config = Config(modelFile);
        if (signature.Inputs.Count != 1 || signature.Inputs[0].Shape.Count != 2 || !s_runnableInputs.Contains(signature.Inputs[0].Datatype))
        {
            throw Refused(baseline, $"a baseline needs a model whose one input is [rows, features] of numbers (FP32, FP64, INT64 or INT32); this one takes {string.Join("; ", signature.Inputs.Select(i => i.Describe()))}");
        }
        var input = signature.Inputs[0];
        BaselineRows read;
        try
        {
            read = BaselineRows.Read(baseline.File);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw Refused(baseline, e.Message);
        }
        var ignore = baseline.IgnoreColumns ?? [];
        var features = config?.FeatureNames
            ?? read.Columns?.Where(c => !ignore.Contains(c)).ToList()
            ?? [.. Enumerable.Range(0, read.Rows[0].Length).Select(i => $"{input.Name}[{i}]")];
        if (input.Shape[1] > 0 && input.Shape[1] != features.Count)
        {
            throw Refused(baseline, $"the model's input '{input.Name}' has {input.Shape[1]} features, but {(config?.FeatureNames is null ? "the file has" : "config.json's feature_names name")} {features.Count} ({string.Join(", ", features)})");
        }
        IReadOnlyList<float[]> rows;
        try
        {
            rows = read.ForFeatures(features, ignore);
        }
        catch (InvalidDataException e)
        {
            throw Refused(baseline, e.Message);
        }
        var (predictions, skipped) = BaselinePredictor.Predict(bytes, signature, input, rows, config?.Labels);
        var spec = new BaselineSpec(model, "", input.Name, $"training:{Path.GetFileName(baseline.File)}", features)
        {
            Categorical = [.. (baseline.Categorical ?? []).Concat(config?.CategoricalFeatures ?? []).Distinct(StringComparer.Ordinal)],
        };
        try
        {
            return (BaselineBuilder.Build(spec, rows, predictions), skipped);
        }
        catch (ArgumentException e)
        {
            throw Refused(baseline, e.Message);
        }
    }

    /// <summary>The config beside the model file, when there is one.</summary>
    private static ModelConfig? Config(string modelFile)
    {
        var path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelFile))!, ModelConfig.FileName);
        try
        {
            return File.Exists(path) ? ModelConfig.Load(path) : null;
        }
        catch (InvalidDataException e)
        {
            throw new ModelRegistryException($"The baseline cannot be made: {e.Message}");
        }
    }

    private static ModelRegistryException Refused(PushBaseline baseline, string why) =>
        new($"The baseline {baseline.File} cannot be used: {why.TrimEnd('.')}. Nothing was pushed.");
}
