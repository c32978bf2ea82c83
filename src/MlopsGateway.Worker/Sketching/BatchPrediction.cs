using Microsoft.ML.OnnxRuntime;
using MlopsGateway.Monitoring.Sketches;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Worker.Tensors;

namespace MlopsGateway.Worker.Sketching;

/// <summary>
/// Which output of a version holds its prediction, and in what form: a class index (an INT64
/// <c>[rows]</c> or <c>[rows, 1]</c> output), class probabilities (FP32 <c>[rows, classes]</c>), or a
/// regressor's value (FP32 <c>[rows]</c> or <c>[rows, 1]</c>).
/// </summary>
internal sealed record BatchPrediction(string Output, PredictionForm Form, int Columns)
{
    /// <summary>The output matching <paramref name="kind"/> (with <paramref name="classes"/> classes); null when none does or there is no kind.</summary>
    public static BatchPrediction? Choose(IReadOnlyList<TensorSpec> outputs, FeatureKind? kind, int classes)
    {
        return kind switch
        {
            FeatureKind.Categorical => Labels(outputs) ?? Probabilities(outputs, classes),
            FeatureKind.Numeric => Values(outputs),
            _ => null,
        };
    }

    /// <summary>For a version without a baseline: a label output, else probabilities of any width above 1, else a value.</summary>
    public static BatchPrediction? Guess(IReadOnlyList<TensorSpec> outputs) =>
        Labels(outputs) ?? Probabilities(outputs, 0) ?? Values(outputs);

    /// <summary>This prediction in <paramref name="results"/> (the outputs <paramref name="names"/> of one run), or none when it was not asked for.</summary>
    public BatchPredictions Read(string[] names, IReadOnlyList<OrtValue> results)
    {
        var at = Array.IndexOf(names, Output);
        if (at < 0)
        {
            return BatchPredictions.None;
        }
        return Form switch
        {
            PredictionForm.Labels => BatchPredictions.FromLabels(results[at].GetTensorDataAsSpan<long>()),
            PredictionForm.Probabilities => BatchPredictions.FromProbabilities(results[at].GetTensorDataAsSpan<float>(), Columns),
            PredictionForm.Values => BatchPredictions.FromValues(results[at].GetTensorDataAsSpan<float>()),
            _ => BatchPredictions.None,
        };
    }

    private static bool OneColumn(TensorSpec spec) =>
        spec.Shape.Count is 1 or 2 && (spec.Shape.Count == 1 || spec.Shape[1] == 1);

    private static BatchPrediction? Labels(IReadOnlyList<TensorSpec> outputs) =>
        outputs.FirstOrDefault(o => o.Datatype == "INT64" && OneColumn(o)) is { } label ? new(label.Name, PredictionForm.Labels, 1) : null;

    private static BatchPrediction? Probabilities(IReadOnlyList<TensorSpec> outputs, int classes) =>
        outputs.FirstOrDefault(o => o.Datatype == "FP32" && o.Shape.Count == 2 && (classes > 0 ? o.Shape[1] == classes : o.Shape[1] > 1))
            is { } probabilities ? new(probabilities.Name, PredictionForm.Probabilities, (int)probabilities.Shape[1]) : null;

    private static BatchPrediction? Values(IReadOnlyList<TensorSpec> outputs) =>
        outputs.FirstOrDefault(o => o.Datatype == "FP32" && OneColumn(o)) is { } value ? new(value.Name, PredictionForm.Values, 1) : null;
}
