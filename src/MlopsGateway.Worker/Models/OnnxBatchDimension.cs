using Google.Protobuf;
using Onnx;

namespace MlopsGateway.Worker.Models;

/// <summary>
/// Rewrites a model whose first dimension is fixed (ResNet18's batch of 1, say) so that it takes
/// any batch size: the leading dimension of inputs, outputs and intermediate shapes becomes
/// symbolic, and fixed Reshape targets are relaxed, using OnnxSharp's graph editing.
/// </summary>
public static class OnnxBatchDimension
{
    /// <summary>The symbolic name given to the rewritten dimension.</summary>
    public const string Symbol = "batch";

    /// <summary>The model with a symbolic leading dimension.</summary>
    public static ModelProto MakeDynamic(ModelProto model)
    {
        var copy = model.Clone();
        copy.Graph.SetDim(0, DimParamOrValue.New(Symbol));
        return copy;
    }

    /// <summary>The serialised model with a symbolic leading dimension.</summary>
    public static byte[] MakeDynamic(ReadOnlySpan<byte> onnx) =>
        MakeDynamic(ModelProto.Parser.ParseFrom(onnx)).ToByteArray();
}
