using Microsoft.ML.OnnxRuntime;

namespace MlopsGateway.Worker;

/// <summary>One loaded version of a model: its ONNX Runtime session and its protocol description.</summary>
public sealed class ModelVersion : IDisposable
{
    /// <summary>The platform string ModelMetadata reports.</summary>
    public const string Platform = "onnxruntime_onnx";

    internal ModelVersion(string name, string version, string path, ModelConfig config, InferenceSession session)
    {
        Name = name;
        Version = version;
        Path = path;
        Config = config;
        Session = session;
        Inputs = Describe(session.InputNames, session.InputMetadata);
        Outputs = Describe(session.OutputNames, session.OutputMetadata);
        Label = $"model '{name}' version {version}";
    }

    public string Name { get; }

    public string Version { get; }

    /// <summary>Path of the <c>model.onnx</c> file.</summary>
    public string Path { get; }

    public ModelConfig Config { get; }

    public InferenceSession Session { get; }

    /// <summary>Inputs in graph order.</summary>
    public IReadOnlyList<TensorSpec> Inputs { get; }

    /// <summary>Outputs in graph order.</summary>
    public IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary>"model 'x' version y", the prefix of every message about this version.</summary>
    public string Label { get; }

    public void Dispose() => Session.Dispose();

    private static TensorSpec[] Describe(IReadOnlyList<string> names, IReadOnlyDictionary<string, NodeMetadata> metadata)
    {
        var specs = new TensorSpec[names.Count];
        for (var i = 0; i < names.Count; i++)
        {
            var node = metadata[names[i]];
            if (!node.IsTensor || !TensorConverter.IsServable(node.ElementDataType))
            {
                throw new InvalidDataException(
                    $"'{names[i]}' is {(node.IsTensor ? node.ElementDataType.ToString() : node.OnnxValueType.ToString())}; only numeric and boolean tensors can be served.");
            }
            var shape = new long[node.Dimensions.Length];
            for (var d = 0; d < shape.Length; d++)
            {
                shape[d] = node.Dimensions[d] > 0 ? node.Dimensions[d] : -1;
            }
            specs[i] = new TensorSpec(names[i], TensorDataType.FromElementType(node.ElementDataType)!, shape);
        }
        return specs;
    }
}
