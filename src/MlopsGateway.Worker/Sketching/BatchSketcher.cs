using Microsoft.ML.OnnxRuntime;
using MlopsGateway.Monitoring.Sketches;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Drift;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Tensors;

namespace MlopsGateway.Worker.Sketching;

/// <summary>
/// What a loaded version does with each batch it ran: counts the rows of its <c>[rows, features]</c>
/// FP32 input and its predictions into the baseline's sketch, and copies rows for an open capture.
/// Set on the version (<see cref="ModelVersion.Sketcher"/>) by <see cref="SketchService"/>; replaced whole.
/// </summary>
internal sealed class BatchSketcher
{
    private readonly ModelVersion _model;
    private readonly int _input;
    private readonly int _features;
    private long _faults;

    private BatchSketcher(ModelVersion model, int input, int features, VersionSketch? sketch, BatchPrediction? prediction, CaptureTap? capture)
    {
        _model = model;
        _input = input;
        _features = features;
        Sketch = sketch;
        Prediction = prediction;
        Capture = capture;
    }

    /// <summary>The counts since the last flush; null when the version has no baseline.</summary>
    public VersionSketch? Sketch { get; }

    /// <summary>Where the prediction is read from; null when no output fits.</summary>
    public BatchPrediction? Prediction { get; }

    /// <summary>The open capture; null when none.</summary>
    public CaptureTap? Capture { get; }

    /// <summary>
    /// A sketcher for <paramref name="model"/> counting into <paramref name="baseline"/>'s bins (none
    /// when null) and feeding <paramref name="capture"/>; null with why when the input does not fit.
    /// </summary>
    public static BatchSketcher? Create(ModelVersion model, BaselineProfile? baseline, CaptureTap? capture, out string? problem)
    {
        problem = null;
        int input;
        if (baseline is not null)
        {
            input = IndexOf(model.Inputs, baseline.Input);
            if (input < 0 || !IsRows(model.Inputs[input], baseline.Features.Count))
            {
                problem = input < 0
                    ? $"its baseline is of input '{baseline.Input}', which the model does not have"
                    : $"its baseline has {baseline.Features.Count} features, but input '{baseline.Input}' is {model.Inputs[input].Datatype} {model.Inputs[input].ShapeText}, not FP32 [-1, {baseline.Features.Count}]";
                return null;
            }
        }
        else
        {
            input = FindRows(model.Inputs);
            if (input < 0)
            {
                problem = "it has no FP32 [rows, features] input to capture";
                return null;
            }
        }
        var features = (int)model.Inputs[input].Shape[1];
        var sketch = baseline is null ? null : new VersionSketch(baseline);
        var prediction = sketch is null ? BatchPrediction.Guess(model.Outputs) : BatchPrediction.Choose(model.Outputs, sketch.PredictionKind, sketch.PredictionBins - 1);
        return new BatchSketcher(model, input, features, sketch, prediction, capture);
    }

    /// <summary>The same sketch and input with <paramref name="capture"/> in place of the current capture.</summary>
    public BatchSketcher WithCapture(CaptureTap? capture) => new(_model, _input, _features, Sketch, Prediction, capture);

    /// <summary>What captured rows are: the input they come from and the form of their predictions.</summary>
    public CaptureSource Source() => new(
        _model.Inputs[_input].Name, _features,
        Prediction?.Form switch
        {
            PredictionForm.Labels or PredictionForm.Probabilities => CaptureSource.ClassPrediction,
            PredictionForm.Values => CaptureSource.ValuePrediction,
            _ => CaptureSource.NoPrediction,
        },
        Prediction?.Form is PredictionForm.Labels or PredictionForm.Probabilities ? _model.Config.Labels ?? [] : []);

    /// <summary>Counts one run: its inputs <paramref name="inputs"/> (in the model's order) and its outputs <paramref name="outputs"/> with <paramref name="results"/>.</summary>
    /// <remarks>Never throws: a prediction is answered whatever becomes of its counts.</remarks>
    public void Observe(IReadOnlyList<OrtValue> inputs, string[] outputs, IReadOnlyList<OrtValue> results, long rows)
    {
        try
        {
            var values = inputs[_input].GetTensorDataAsSpan<float>();
            if (values.Length != rows * _features)
            {
                return;
            }
            var predictions = Prediction is null ? BatchPredictions.None : Prediction.Read(outputs, results);
            Sketch?.Update(values, (int)rows, predictions);
            Capture?.Offer(values, (int)rows, _features, predictions);
        }
        catch (Exception ex) when (ex is ArgumentException or OnnxRuntimeException or InvalidOperationException)
        {
            Interlocked.Increment(ref _faults);
        }
    }

    /// <summary>Batches that could not be counted (an output of an unexpected type, say).</summary>
    public long Faults => Volatile.Read(ref _faults);

    private static int IndexOf(IReadOnlyList<TensorSpec> inputs, string name)
    {
        for (var i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].Name == name)
            {
                return i;
            }
        }
        return -1;
    }

    private static int FindRows(IReadOnlyList<TensorSpec> inputs)
    {
        for (var i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].Shape.Count == 2 && IsRows(inputs[i], inputs[i].Shape[1]))
            {
                return i;
            }
        }
        return -1;
    }

    private static bool IsRows(TensorSpec input, long features) =>
        input.Datatype == "FP32" && input.Shape.Count == 2 && input.Shape[1] == features && features > 0;
}
