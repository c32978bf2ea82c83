using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlopsGateway.Monitoring.Baselines;
using MlopsGateway.Registry.Models;

namespace MlopsGateway.Worker.Publishing;

/// <summary>
/// Runs a model over its baseline rows at push, on the CPU and in batches, for the prediction's
/// profile: a classifier's class per row (its INT64 label output, else the argmax of its
/// probabilities), or a regressor's value per row.
/// </summary>
internal static class BaselinePredictor
{
    private const int BatchRows = 1024;

    /// <summary>
    /// What the model in <paramref name="bytes"/> predicts for <paramref name="rows"/> (columns of its
    /// input <paramref name="input"/>), or null with why when its outputs are neither a class nor a value per row.
    /// </summary>
    /// <remarks><paramref name="labels"/>: the class names from its config, in output order; null to name classes by index.</remarks>
    public static (BaselinePredictions? Predictions, string? Skipped) Predict(byte[] bytes, ModelSignature signature, TensorSignature input, IReadOnlyList<float[]> rows, IReadOnlyList<string>? labels)
    {
        var label = signature.Outputs.FirstOrDefault(o => o.Datatype is "INT64" or "INT32" && PerRow(o));
        var probabilities = signature.Outputs.FirstOrDefault(o => o.Datatype is "FP32" or "FP64" && o.Shape.Count == 2 && o.Shape[1] != 1);
        var value = signature.Outputs.FirstOrDefault(o => o.Datatype is "FP32" or "FP64" && PerRow(o));
        var classifier = label is not null || probabilities is not null;
        if (!classifier && value is null)
        {
            return (null, "its outputs are neither a class per row (INT64 [rows]), probabilities ([rows, classes]) nor a value per row");
        }
        var output = label ?? probabilities ?? value!;
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(bytes, options);
        var width = rows[0].Length;
        var batch = input.Shape[0] > 0 ? (int)input.Shape[0] : BatchRows;
        var classes = new List<int>(rows.Count);
        var values = new List<double>(rows.Count);
        for (var start = 0; start < rows.Count; start += batch)
        {
            var count = Math.Min(batch, rows.Count - start);
            // A model with a fixed batch runs whole batches; the padding rows' answers are dropped.
            var shape = new long[] { input.Shape[0] > 0 ? batch : count, width };
            var flat = new float[shape[0] * width];
            for (var r = 0; r < count; r++)
            {
                rows[start + r].CopyTo(flat, r * width);
            }
            using var tensor = InputValue(input.Datatype, flat, shape);
            using var results = session.Run(new RunOptions(), [input.Name], [tensor], [output.Name]);
            var outputs = results[0];
            if (output == label)
            {
                classes.AddRange(Integers(outputs).Take(count).Select(c => (int)c));
            }
            else if (output == probabilities)
            {
                var k = (int)outputs.GetTensorTypeAndShape().Shape[1];
                var scores = Doubles(outputs);
                for (var r = 0; r < count; r++)
                {
                    classes.Add(ArgMax(scores.AsSpan(r * k, k)));
                }
            }
            else
            {
                values.AddRange(Doubles(outputs).Take(count));
            }
        }
        if (!classifier)
        {
            return (BaselinePredictions.Regression(values), null);
        }
        var classCount = probabilities is { } p && p.Shape[1] > 0 ? (int)p.Shape[1] : classes.Max() + 1;
        var names = labels is { Count: > 0 } ? labels : [.. Enumerable.Range(0, Math.Max(classCount, classes.Max() + 1)).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        if (classes.FirstOrDefault(c => c < 0 || c >= names.Count, -1) is var bad && bad != -1)
        {
            return (null, $"it predicted class {bad}, which its {names.Count} labels do not name");
        }
        return (BaselinePredictions.Classes(classes, names), null);
    }

    /// <summary>One value per row: <c>[rows]</c> or <c>[rows, 1]</c>.</summary>
    private static bool PerRow(TensorSignature output) => output.Shape.Count == 1 || (output.Shape.Count == 2 && output.Shape[1] == 1);

    private static OrtValue InputValue(string datatype, float[] flat, long[] shape) => datatype switch
    {
        "FP64" => OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(flat, v => (double)v), shape),
        "INT64" => OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(flat, v => (long)v), shape),
        "INT32" => OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(flat, v => (int)v), shape),
        _ => OrtValue.CreateTensorValueFromMemory(flat, shape),
    };

    private static long[] Integers(OrtValue value) =>
        value.GetTensorTypeAndShape().ElementDataType == TensorElementType.Int32
            ? Array.ConvertAll(value.GetTensorDataAsSpan<int>().ToArray(), v => (long)v)
            : value.GetTensorDataAsSpan<long>().ToArray();

    private static double[] Doubles(OrtValue value) =>
        value.GetTensorTypeAndShape().ElementDataType == TensorElementType.Double
            ? value.GetTensorDataAsSpan<double>().ToArray()
            : Array.ConvertAll(value.GetTensorDataAsSpan<float>().ToArray(), v => (double)v);

    private static int ArgMax(ReadOnlySpan<double> scores)
    {
        var best = 0;
        for (var i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best])
            {
                best = i;
            }
        }
        return best;
    }
}
