using Grpc.Core;
using MlopsGateway.Contracts.Explanations;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Tensors;

namespace MlopsGateway.Worker.Explanations;

/// <summary>
/// Reads what an <see cref="ExplainRequest"/> asks for against the model and its baseline: the row,
/// the output and class explained, the background rows. Every refusal names what was expected.
/// </summary>
internal static class ExplainInputs
{
    /// <summary>Background rows when the request names no number.</summary>
    public const int DefaultBackground = 100;

    /// <summary>KernelSHAP's coalitions when the request names no number.</summary>
    public const int DefaultSamples = 1024;

    /// <summary>The most rows one explanation runs through the model.</summary>
    public const long MaxEvaluations = 1_000_000;

    /// <summary>The model's tabular input: its only input, FP32 [rows, features].</summary>
    /// <exception cref="RpcException">FAILED_PRECONDITION: the model is not tabular.</exception>
    public static TensorSpec TabularInput(ModelVersion model)
    {
        if (model.Inputs.Count == 1 && model.Inputs[0] is { Datatype: "FP32", Shape: [-1, > 0] } input && model.HasBatchDimension)
        {
            return input;
        }
        throw Refused(StatusCode.FailedPrecondition,
            $"{model.Label} takes {string.Join(", ", model.Inputs.Select(i => $"{i.Name} ({i.Datatype} {i.ShapeText})"))}; explanations cover tabular models: one FP32 [rows, features] input, every output with a batch dimension.");
    }

    /// <summary>The explained row, in the baseline's feature order.</summary>
    /// <exception cref="RpcException">INVALID_ARGUMENT naming what the row should be.</exception>
    public static float[] Row(ExplainRequest request, ModelVersion model, TensorSpec input, BaselineProfile baseline)
    {
        var names = baseline.Features.Select(f => f.Name).ToArray();
        var expected = $"{model.Label} takes one row of {names.Length} features ({string.Join(", ", names)})";
        if (request.Inputs.Count > 0 == request.Features.Count > 0)
        {
            throw Invalid($"Give the row either as 'inputs' (one FP32 tensor '{input.Name}' of shape [1, {names.Length}]) or as 'features' by name, not {(request.Inputs.Count > 0 ? "both" : "neither")}: {expected}.");
        }
        if (request.Features.Count > 0)
        {
            var unknown = request.Features.Keys.Where(k => !names.Contains(k, StringComparer.Ordinal)).Order(StringComparer.Ordinal).ToArray();
            var missing = names.Where(n => !request.Features.ContainsKey(n)).ToArray();
            if (unknown.Length > 0 || missing.Length > 0)
            {
                throw Invalid($"{expected}; {(unknown.Length > 0 ? $"unknown: {string.Join(", ", unknown)}" : "")}{(unknown.Length > 0 && missing.Length > 0 ? "; " : "")}{(missing.Length > 0 ? $"missing: {string.Join(", ", missing)}" : "")}.");
            }
            return [.. names.Select(n => (float)request.Features[n])];
        }
        if (request.Inputs.Count != 1 || request.Inputs[0].Name != input.Name)
        {
            throw Invalid($"{expected}: send one input, '{input.Name}', not {string.Join(", ", request.Inputs.Select(i => $"'{i.Name}'"))}.");
        }
        var tensor = request.Inputs[0];
        var rows = tensor.Shape.Count == 2 ? tensor.Shape[0] : 1;
        var width = tensor.Shape.Count > 0 ? tensor.Shape[^1] : 0;
        if (tensor.Datatype != "FP32" || tensor.Shape.Count is < 1 or > 2 || rows != 1 || width != names.Length)
        {
            throw Invalid($"{expected}: input '{input.Name}' must be FP32 [1, {names.Length}], not {tensor.Datatype} [{string.Join(", ", tensor.Shape)}]; explain one row at a time.");
        }
        if (tensor.Contents is null || tensor.Contents.Fp32Contents.Count != names.Length)
        {
            throw Invalid($"{expected}: input '{input.Name}' carries {tensor.Contents?.Fp32Contents.Count ?? 0} values in fp32_contents, not {names.Length}.");
        }
        return [.. tensor.Contents.Fp32Contents];
    }

    /// <summary>The output explained and how many columns it has (1 for a regressor's).</summary>
    /// <exception cref="RpcException">INVALID_ARGUMENT for an output that is not there or not explainable.</exception>
    public static (string Name, int Columns) Output(ExplainRequest request, ModelVersion model)
    {
        var usable = model.Outputs.Where(o => o.Datatype is "FP32" or "FP64" && o.Shape is [-1] or [-1, > 0]).ToArray();
        var named = request.Output.Length == 0 ? usable.FirstOrDefault() : usable.FirstOrDefault(o => o.Name == request.Output);
        if (named is null)
        {
            var choices = usable.Length == 0 ? "none: it has no FP32 or FP64 [rows] or [rows, columns] output" : string.Join(", ", usable.Select(o => $"{o.Name} ({o.Datatype} {o.ShapeText})"));
            throw Refused(request.Output.Length == 0 ? StatusCode.FailedPrecondition : StatusCode.InvalidArgument,
                $"{model.Label} has {(request.Output.Length == 0 ? "no output to explain" : $"no output '{request.Output}' to explain")}; outputs that can be explained: {choices}.");
        }
        return (named.Name, named.Shape.Count == 2 ? (int)named.Shape[1] : 1);
    }

    /// <summary>
    /// The class explained: the one the request names (by name or index), else the one with the
    /// highest value for the row; -1 for a one-column output, which has no class.
    /// </summary>
    /// <exception cref="RpcException">INVALID_ARGUMENT for a class the output does not have.</exception>
    public static int Class(ExplainRequest request, ModelVersion model, string output, IReadOnlyList<double> scores, IReadOnlyList<string> classes)
    {
        if (scores.Count == 1)
        {
            return request.TargetClass.Length == 0 ? -1
                : throw Invalid($"{model.Label}'s output '{output}' has one column (a regressor's value): it has no class '{request.TargetClass}'; leave target_class empty.");
        }
        if (request.TargetClass.Length == 0)
        {
            var best = 0;
            for (var c = 1; c < scores.Count; c++)
            {
                best = scores[c] > scores[best] ? c : best;
            }
            return best;
        }
        var byName = IndexOf(classes, request.TargetClass);
        if (byName >= 0)
        {
            return byName;
        }
        if (int.TryParse(request.TargetClass, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) && index < scores.Count)
        {
            return index;
        }
        throw Invalid($"{model.Label}'s output '{output}' has no class '{request.TargetClass}': give {(classes.Count > 0 ? $"one of {string.Join(", ", classes)} or " : "")}an index, 0 to {scores.Count - 1}.");
    }

    /// <summary>The class names for an output of <paramref name="columns"/> columns: the baseline's, else the model config's, else none.</summary>
    public static IReadOnlyList<string> Classes(ModelVersion model, BaselineProfile baseline, int columns) =>
        baseline.Classes.Count == columns ? baseline.Classes
        : model.Config.Labels is { } labels && labels.Count == columns ? labels
        : [];

    /// <summary><paramref name="size"/> rows of the baseline's sample (0: <see cref="DefaultBackground"/>; at most all of them), drawn by <paramref name="random"/>.</summary>
    public static float[][] Background(BaselineProfile baseline, int size, Random random)
    {
        var sample = baseline.Sample;
        var take = Math.Min(size == 0 ? DefaultBackground : size, sample.Count);
        var order = Enumerable.Range(0, sample.Count).ToArray();
        random.Shuffle(order);
        return [.. order.Take(take).Order().Select(i => sample[i].ToArray())];
    }

    /// <summary>Refuses numbers out of range before anything runs.</summary>
    /// <exception cref="RpcException">INVALID_ARGUMENT.</exception>
    public static void CheckNumbers(ExplainRequest request)
    {
        if (request.BackgroundSize < 0 || request.Samples < 0)
        {
            throw Invalid($"background_size and samples must be 0 (the default: {DefaultBackground} and {DefaultSamples}) or more, not {request.BackgroundSize} and {request.Samples}.");
        }
        if (!Enum.IsDefined(request.Method))
        {
            throw Invalid($"method {(int)request.Method} is not one of AUTO, EXACT, KERNEL.");
        }
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
            {
                return i;
            }
        }
        return -1;
    }

    public static RpcException Invalid(string message) => Refused(StatusCode.InvalidArgument, message);

    public static RpcException Refused(StatusCode code, string message) => new(new Status(code, message));
}
