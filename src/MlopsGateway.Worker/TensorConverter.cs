using System.Runtime.InteropServices;
using Google.Protobuf;
using Inference;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MlopsGateway.Worker;

/// <summary>Moves tensors between the protocol's messages and ONNX Runtime values.</summary>
public static class TensorConverter
{
    /// <summary>
    /// A tensor owned by ONNX Runtime holding the input's values: raw bytes are copied once, typed
    /// values element by element (narrowed for INT8/INT16/UINT8/UINT16, as the protocol carries them widened).
    /// </summary>
    public static OrtValue ToOrtValue(ValidatedInput input)
    {
        TensorDataType.TryGetElementType(input.Spec.Datatype, out var elementType);
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, elementType, input.Shape);
        try
        {
            if (input.Raw is not null)
            {
                input.Raw.Span.CopyTo(value.GetTensorMutableRawData());
            }
            else
            {
                CopyTyped(input.Spec.Datatype, input.Contents!, value);
            }
            return value;
        }
        catch
        {
            value.Dispose();
            throw;
        }
    }

    private static void CopyTyped(string datatype, InferTensorContents contents, OrtValue value)
    {
        switch (datatype)
        {
            case TensorDataType.Fp32: Copy(contents.Fp32Contents, value.GetTensorMutableDataAsSpan<float>()); break;
            case TensorDataType.Fp64: Copy(contents.Fp64Contents, value.GetTensorMutableDataAsSpan<double>()); break;
            case TensorDataType.Int32: Copy(contents.IntContents, value.GetTensorMutableDataAsSpan<int>()); break;
            case TensorDataType.Int64: Copy(contents.Int64Contents, value.GetTensorMutableDataAsSpan<long>()); break;
            case TensorDataType.UInt32: Copy(contents.UintContents, value.GetTensorMutableDataAsSpan<uint>()); break;
            case TensorDataType.UInt64: Copy(contents.Uint64Contents, value.GetTensorMutableDataAsSpan<ulong>()); break;
            case TensorDataType.Bool: Copy(contents.BoolContents, value.GetTensorMutableDataAsSpan<bool>()); break;
            case TensorDataType.Int8:
                {
                    var target = value.GetTensorMutableDataAsSpan<sbyte>();
                    for (var i = 0; i < target.Length; i++) { target[i] = (sbyte)contents.IntContents[i]; }
                    break;
                }
            case TensorDataType.Int16:
                {
                    var target = value.GetTensorMutableDataAsSpan<short>();
                    for (var i = 0; i < target.Length; i++) { target[i] = (short)contents.IntContents[i]; }
                    break;
                }
            case TensorDataType.UInt8:
                {
                    var target = value.GetTensorMutableDataAsSpan<byte>();
                    for (var i = 0; i < target.Length; i++) { target[i] = (byte)contents.UintContents[i]; }
                    break;
                }
            case TensorDataType.UInt16:
                {
                    var target = value.GetTensorMutableDataAsSpan<ushort>();
                    for (var i = 0; i < target.Length; i++) { target[i] = (ushort)contents.UintContents[i]; }
                    break;
                }
            default:
                throw new ArgumentException($"Datatype {datatype} has no typed contents.", nameof(datatype));
        }
    }

    private static void Copy<T>(Google.Protobuf.Collections.RepeatedField<T> source, Span<T> target)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] = source[i];
        }
    }

    /// <summary>
    /// Appends an output to <paramref name="response"/>: as raw bytes when <paramref name="raw"/> is
    /// set (and always for FP16/BF16, which have no typed field), as typed contents otherwise.
    /// </summary>
    public static void AddOutput(ModelInferResponse response, string name, OrtValue value, bool raw)
    {
        var info = value.GetTensorTypeAndShape();
        var datatype = TensorDataType.FromElementType(info.ElementDataType)
            ?? throw new NotSupportedException($"Output '{name}' has element type {info.ElementDataType}, which the protocol cannot carry.");
        var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = name, Datatype = datatype };
        tensor.Shape.Add(info.Shape);
        response.Outputs.Add(tensor);

        var bytes = value.GetTensorDataAsSpan<byte>();
        if (raw || !TensorDataType.HasTypedContents(datatype))
        {
            // One copy out of ONNX Runtime's buffer, which is freed with the run's results.
            response.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(bytes.ToArray()));
            return;
        }

        var contents = new InferTensorContents();
        switch (datatype)
        {
            case TensorDataType.Fp32: contents.Fp32Contents.AddRange(MemoryMarshal.Cast<byte, float>(bytes).ToArray()); break;
            case TensorDataType.Fp64: contents.Fp64Contents.AddRange(MemoryMarshal.Cast<byte, double>(bytes).ToArray()); break;
            case TensorDataType.Int32: contents.IntContents.AddRange(MemoryMarshal.Cast<byte, int>(bytes).ToArray()); break;
            case TensorDataType.Int64: contents.Int64Contents.AddRange(MemoryMarshal.Cast<byte, long>(bytes).ToArray()); break;
            case TensorDataType.UInt32: contents.UintContents.AddRange(MemoryMarshal.Cast<byte, uint>(bytes).ToArray()); break;
            case TensorDataType.UInt64: contents.Uint64Contents.AddRange(MemoryMarshal.Cast<byte, ulong>(bytes).ToArray()); break;
            case TensorDataType.Bool: contents.BoolContents.AddRange(MemoryMarshal.Cast<byte, bool>(bytes).ToArray()); break;
            case TensorDataType.Int8: foreach (var v in MemoryMarshal.Cast<byte, sbyte>(bytes)) { contents.IntContents.Add(v); } break;
            case TensorDataType.Int16: foreach (var v in MemoryMarshal.Cast<byte, short>(bytes)) { contents.IntContents.Add(v); } break;
            case TensorDataType.UInt8: foreach (var v in bytes) { contents.UintContents.Add(v); } break;
            case TensorDataType.UInt16: foreach (var v in MemoryMarshal.Cast<byte, ushort>(bytes)) { contents.UintContents.Add(v); } break;
            default: throw new NotSupportedException($"Output '{name}' is {datatype}, which this worker cannot return.");
        }
        tensor.Contents = contents;
    }

    /// <summary>Whether ONNX Runtime element type <paramref name="type"/> can be served.</summary>
    public static bool IsServable(TensorElementType type) =>
        TensorDataType.FromElementType(type) is { } name && name != TensorDataType.Bytes;
}
