using MlopsGateway.Contracts.Tensors;

namespace MlopsGateway.Worker.Tensors;

/// <summary>One input or output of a model as the protocol describes it.</summary>
/// <param name="Name">The tensor's name in the graph.</param>
/// <param name="Datatype">The OIP datatype name (FP32, INT64, …).</param>
/// <param name="Shape">Dimensions; -1 marks a variable one.</param>
internal sealed record TensorSpec(string Name, string Datatype, IReadOnlyList<long> Shape)
{
    /// <summary>The shape as the protocol prints it, e.g. <c>[-1, 5]</c>.</summary>
    public string ShapeText => FormatShape(Shape);

    /// <summary>Formats a shape as <c>[d0, d1, …]</c>.</summary>
    public static string FormatShape(IEnumerable<long> shape) => TensorShape.Format(shape);
}
