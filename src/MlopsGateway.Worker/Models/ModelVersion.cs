using Inference;
using Microsoft.ML.OnnxRuntime;
using MlopsGateway.Worker.Batching;
using MlopsGateway.Worker.Sketching;
using MlopsGateway.Worker.Tensors;

namespace MlopsGateway.Worker.Models;

/// <summary>
/// One loaded version of a model: its ONNX Runtime session, its protocol description, and the
/// batcher its requests queue in. Disposing drains the batcher before releasing the session.
/// </summary>
internal sealed class ModelVersion : IAsyncDisposable
{
    /// <summary>The platform string ModelMetadata reports.</summary>
    public const string Platform = "onnxruntime_onnx";

    internal ModelVersion(
        string name, string version, string path, ModelConfig config, InferenceSession session, string executionProvider,
        Func<ModelVersion, DynamicBatcher<InferItem, ModelInferResponse>> createBatcher, Func<ModelVersion, BatcherOptions> batching)
    {
        Name = name;
        Version = version;
        Path = path;
        Config = config;
        Session = session;
        ExecutionProvider = executionProvider;
        Inputs = Describe(session.InputNames, session.InputMetadata);
        Outputs = Describe(session.OutputNames, session.OutputMetadata);
        Label = $"model '{name}' version {version}";
        Batching = batching(this);
        Batcher = createBatcher(this);
    }

    public string Name { get; }

    public string Version { get; }

    /// <summary>Path of the <c>model.onnx</c> file.</summary>
    public string Path { get; }

    public ModelConfig Config { get; }

    public InferenceSession Session { get; }

    /// <summary>The ONNX Runtime execution provider the session runs on, e.g. CPUExecutionProvider.</summary>
    public string ExecutionProvider { get; }

    /// <summary>Inputs in graph order.</summary>
    public IReadOnlyList<TensorSpec> Inputs { get; }

    /// <summary>Outputs in graph order.</summary>
    public IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary>"model 'x' version y", the prefix of every message about this version.</summary>
    public string Label { get; }

    /// <summary>The batching rules in force (off when the model has no batch dimension).</summary>
    public BatcherOptions Batching { get; }

    /// <summary>The queue requests for this version wait in.</summary>
    public DynamicBatcher<InferItem, ModelInferResponse> Batcher { get; }

    /// <summary>Counts each batch's rows for drift and captures; null when the version is not sketched.</summary>
    public BatchSketcher? Sketcher { get; set; }

    /// <summary>Whether every input and output has a variable first dimension, so rows can be merged and split.</summary>
    public bool HasBatchDimension =>
        Inputs.Concat(Outputs).All(t => t.Shape.Count > 0 && t.Shape[0] == -1);

    /// <summary>Drains queued and running requests, then releases the session.</summary>
    public async ValueTask DisposeAsync()
    {
        await Batcher.DisposeAsync().ConfigureAwait(false);
        Session.Dispose();
    }

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
            specs[i] = new TensorSpec(names[i], TensorConverter.FromElementType(node.ElementDataType)!, shape);
        }
        return specs;
    }
}
