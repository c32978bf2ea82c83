using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace MlopsGateway.Worker.Models;

/// <summary>
/// Writes small ONNX graphs in code (with OnnxSharp's ONNX types): the sample models that
/// <c>mlops up</c> serves, and test models. Not a general graph editor.
/// </summary>
internal sealed class OnnxModelBuilder
{
    /// <summary>The ONNX opset the built graphs use; ONNX Runtime 1.31 runs it on every provider.</summary>
    public const int Opset = 17;

    private readonly GraphProto _graph;
    private readonly string _docString;

    public OnnxModelBuilder(string graphName, string docString = "")
    {
        _graph = new GraphProto { Name = graphName };
        _docString = docString;
    }

    /// <summary>Adds a graph input. Each dimension is a number or a symbolic name (a dynamic dimension).</summary>
    public OnnxModelBuilder Input(string name, DataType type, params object[] dims)
    {
        _graph.Input.Add(ValueInfo(name, type, dims));
        return this;
    }

    /// <summary>Adds a graph output. Each dimension is a number or a symbolic name.</summary>
    public OnnxModelBuilder Output(string name, DataType type, params object[] dims)
    {
        _graph.Output.Add(ValueInfo(name, type, dims));
        return this;
    }

    /// <summary>Adds a constant FP32 tensor.</summary>
    public OnnxModelBuilder Initializer(string name, long[] dims, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Float };
        tensor.Dims.Add(dims);
        tensor.FloatData.Add(values);
        _graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>Adds a constant INT64 tensor.</summary>
    public OnnxModelBuilder Initializer(string name, long[] dims, long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Int64 };
        tensor.Dims.Add(dims);
        tensor.Int64Data.Add(values);
        _graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>Adds an operator node.</summary>
    public OnnxModelBuilder Node(string opType, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_graph.Node.Count}" };
        node.Input.Add(inputs);
        node.Output.Add(outputs);
        node.Attribute.Add(attributes);
        _graph.Node.Add(node);
        return this;
    }

    /// <summary>An integer attribute for <see cref="Node"/>.</summary>
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>The model.</summary>
    public ModelProto Build()
    {
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "mlops",
            ProducerVersion = "1",
            DocString = _docString,
            Graph = _graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }

    /// <summary>The serialised model, ready for an ONNX Runtime session.</summary>
    public byte[] ToBytes() => Build().ToByteArray();

    /// <summary>Writes the model to <paramref name="path"/>, creating its folder.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, ToBytes());
    }

    private static ValueInfoProto ValueInfo(string name, DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                int value => new TensorShapeProto.Types.Dimension { DimValue = value },
                long value => new TensorShapeProto.Types.Dimension { DimValue = value },
                _ => throw new ArgumentException($"Dimension '{dim}' of '{name}' is neither a number nor a name.", nameof(dims)),
            });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
