using Microsoft.ML.OnnxRuntime.Tensors;
using MlopsGateway.Contracts;

namespace MlopsGateway.Worker;

/// <summary>
/// The Open Inference Protocol datatype names, with the ONNX Runtime element type and byte size of each.
/// </summary>
public static class TensorDataType
{
    public const string Bool = "BOOL";
    public const string UInt8 = "UINT8";
    public const string UInt16 = "UINT16";
    public const string UInt32 = "UINT32";
    public const string UInt64 = "UINT64";
    public const string Int8 = "INT8";
    public const string Int16 = "INT16";
    public const string Int32 = "INT32";
    public const string Int64 = "INT64";
    public const string Fp16 = "FP16";
    public const string Bf16 = "BF16";
    public const string Fp32 = "FP32";
    public const string Fp64 = "FP64";
    public const string Bytes = "BYTES";

    /// <summary>The OIP name of an ONNX Runtime element type, or null for types the protocol cannot carry here.</summary>
    public static string? FromElementType(TensorElementType type) => type switch
    {
        TensorElementType.Bool => Bool,
        TensorElementType.UInt8 => UInt8,
        TensorElementType.UInt16 => UInt16,
        TensorElementType.UInt32 => UInt32,
        TensorElementType.UInt64 => UInt64,
        TensorElementType.Int8 => Int8,
        TensorElementType.Int16 => Int16,
        TensorElementType.Int32 => Int32,
        TensorElementType.Int64 => Int64,
        TensorElementType.Float16 => Fp16,
        TensorElementType.BFloat16 => Bf16,
        TensorElementType.Float => Fp32,
        TensorElementType.Double => Fp64,
        TensorElementType.String => Bytes,
        _ => null,
    };

    /// <summary>The ONNX Runtime element type of an OIP datatype name; false for an unknown name.</summary>
    public static bool TryGetElementType(string datatype, out TensorElementType type)
    {
        type = datatype switch
        {
            Bool => TensorElementType.Bool,
            UInt8 => TensorElementType.UInt8,
            UInt16 => TensorElementType.UInt16,
            UInt32 => TensorElementType.UInt32,
            UInt64 => TensorElementType.UInt64,
            Int8 => TensorElementType.Int8,
            Int16 => TensorElementType.Int16,
            Int32 => TensorElementType.Int32,
            Int64 => TensorElementType.Int64,
            Fp16 => TensorElementType.Float16,
            Bf16 => TensorElementType.BFloat16,
            Fp32 => TensorElementType.Float,
            Fp64 => TensorElementType.Double,
            Bytes => TensorElementType.String,
            _ => TensorElementType.DataTypeMax,
        };
        return type != TensorElementType.DataTypeMax;
    }

    /// <summary>Bytes per element in raw contents; 0 for BYTES, whose elements vary in length.</summary>
    /// <remarks>Defined once, beside the generated contracts, so that the gateway (which does not reference the worker) reads raw outputs with the same sizes.</remarks>
    public static int ElementSize(string datatype) => OutputValues.ElementSize(datatype);

    /// <summary>Whether the datatype can travel in typed <c>contents</c> (FP16 and BF16 travel only raw).</summary>
    public static bool HasTypedContents(string datatype) => datatype is not (Fp16 or Bf16);

    /// <summary>Every datatype name the protocol defines.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Bool, UInt8, UInt16, UInt32, UInt64, Int8, Int16, Int32, Int64, Fp16, Bf16, Fp32, Fp64, Bytes];
}
