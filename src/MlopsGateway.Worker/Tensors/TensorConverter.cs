using Google.Protobuf;
using Inference;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlopsGateway.Contracts.Tensors;

namespace MlopsGateway.Worker.Tensors;

/// <summary>
/// Moves tensors between the protocol's messages and ONNX Runtime values: the mapping between ONNX
/// Runtime's element types and the protocol's datatypes. Reading and writing the values themselves
/// is the codec's (<see cref="TensorContents"/>).
/// </summary>
internal static class TensorConverter
{
    /// <summary>A tensor owned by ONNX Runtime holding the input's values, copied once.</summary>
    public static OrtValue ToOrtValue(ValidatedInput input)
    {
        TryGetElementType(input.Spec.Datatype, out var elementType);
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, elementType, input.Shape);
        try
        {
            var target = value.GetTensorMutableRawData();
            if (input.Raw is not null)
            {
                input.Raw.Span.CopyTo(target);
            }
            else
            {
                TensorContents.WriteRaw(input.Spec.Datatype, input.Contents!, target);
            }
            return value;
        }
        catch
        {
            value.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends an output to <paramref name="response"/>: raw bytes when <paramref name="raw"/> is set
    /// or the datatype travels only raw, typed contents otherwise. One block copy out of
    /// <paramref name="data"/>, which ONNX Runtime frees with the run's results.
    /// </summary>
    public static void AddOutput(ModelInferResponse response, string name, string datatype, long[] shape, ReadOnlySpan<byte> data, bool raw)
    {
        var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = name, Datatype = datatype };
        tensor.Shape.Add(shape);
        response.Outputs.Add(tensor);
        if (raw || !TensorDatatype.HasTypedContents(datatype))
        {
            response.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(data.ToArray()));
            return;
        }
        tensor.Contents = TensorContents.FromRaw(datatype, data);
    }

    /// <summary>The protocol datatype of an ONNX Runtime element type, or null for types the protocol cannot carry here.</summary>
    public static string? FromElementType(TensorElementType type) => type switch
    {
        TensorElementType.Bool => TensorDatatype.Bool,
        TensorElementType.UInt8 => TensorDatatype.UInt8,
        TensorElementType.UInt16 => TensorDatatype.UInt16,
        TensorElementType.UInt32 => TensorDatatype.UInt32,
        TensorElementType.UInt64 => TensorDatatype.UInt64,
        TensorElementType.Int8 => TensorDatatype.Int8,
        TensorElementType.Int16 => TensorDatatype.Int16,
        TensorElementType.Int32 => TensorDatatype.Int32,
        TensorElementType.Int64 => TensorDatatype.Int64,
        TensorElementType.Float16 => TensorDatatype.Fp16,
        TensorElementType.BFloat16 => TensorDatatype.Bf16,
        TensorElementType.Float => TensorDatatype.Fp32,
        TensorElementType.Double => TensorDatatype.Fp64,
        TensorElementType.String => TensorDatatype.Bytes,
        _ => null,
    };

    /// <summary>The ONNX Runtime element type of a protocol datatype; false for an unknown name.</summary>
    public static bool TryGetElementType(string datatype, out TensorElementType type)
    {
        type = datatype switch
        {
            TensorDatatype.Bool => TensorElementType.Bool,
            TensorDatatype.UInt8 => TensorElementType.UInt8,
            TensorDatatype.UInt16 => TensorElementType.UInt16,
            TensorDatatype.UInt32 => TensorElementType.UInt32,
            TensorDatatype.UInt64 => TensorElementType.UInt64,
            TensorDatatype.Int8 => TensorElementType.Int8,
            TensorDatatype.Int16 => TensorElementType.Int16,
            TensorDatatype.Int32 => TensorElementType.Int32,
            TensorDatatype.Int64 => TensorElementType.Int64,
            TensorDatatype.Fp16 => TensorElementType.Float16,
            TensorDatatype.Bf16 => TensorElementType.BFloat16,
            TensorDatatype.Fp32 => TensorElementType.Float,
            TensorDatatype.Fp64 => TensorElementType.Double,
            TensorDatatype.Bytes => TensorElementType.String,
            _ => TensorElementType.DataTypeMax,
        };
        return type != TensorElementType.DataTypeMax;
    }

    /// <summary>Whether ONNX Runtime element type <paramref name="type"/> can be served.</summary>
    public static bool IsServable(TensorElementType type) =>
        FromElementType(type) is { } name && name != TensorDatatype.Bytes;
}
