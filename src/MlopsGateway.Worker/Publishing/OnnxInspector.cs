using Microsoft.ML.OnnxRuntime;
using MlopsGateway.Registry.Models;
using MlopsGateway.Worker.Tensors;

namespace MlopsGateway.Worker.Publishing;

/// <summary>
/// What a push learns of an ONNX file: whether ONNX Runtime loads it (on the CPU, which every machine
/// has) and the signature its session reports, the same one a worker's ModelMetadata will give.
/// </summary>
internal static class OnnxInspector
{
    /// <summary>The signature of the model in <paramref name="bytes"/>, or null and why ONNX Runtime refused it.</summary>
    public static (ModelSignature? Signature, string? Failure) Inspect(byte[] bytes)
    {
        try
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
            using var session = new InferenceSession(bytes, options);
            var inputs = Describe(session.InputNames, session.InputMetadata, out var badInput);
            var outputs = Describe(session.OutputNames, session.OutputMetadata, out var badOutput);
            return (badInput ?? badOutput) is { } failure ? (null, failure) : (new ModelSignature(inputs, outputs), null);
        }
        catch (OnnxRuntimeException ex)
        {
            return (null, $"ONNX Runtime could not load it: {ex.Message}");
        }
    }

    private static List<TensorSignature> Describe(IReadOnlyList<string> names, IReadOnlyDictionary<string, NodeMetadata> metadata, out string? failure)
    {
        failure = null;
        var tensors = new List<TensorSignature>(names.Count);
        foreach (var name in names)
        {
            var node = metadata[name];
            if (!node.IsTensor || !TensorConverter.IsServable(node.ElementDataType))
            {
                failure = $"'{name}' is {(node.IsTensor ? node.ElementDataType.ToString() : node.OnnxValueType.ToString())}; only numeric and boolean tensors can be served.";
                continue;
            }
            // Symbolic and unknown dimensions come back as -1 or 0; both mean any size.
            tensors.Add(new TensorSignature(name, TensorConverter.FromElementType(node.ElementDataType)!, [.. node.Dimensions.Select(d => d > 0 ? (long)d : -1)]));
        }
        return tensors;
    }
}
