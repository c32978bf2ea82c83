using System.Runtime.InteropServices;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Inference;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MlopsGateway.Worker;

/// <summary>Moves tensors between the protocol's messages and ONNX Runtime values.</summary>
public static class TensorConverter
{
    /// <summary>A tensor owned by ONNX Runtime holding the input's values, copied once.</summary>
    public static OrtValue ToOrtValue(ValidatedInput input)
    {
        TensorDataType.TryGetElementType(input.Spec.Datatype, out var elementType);
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
                CopyTyped(input.Spec.Datatype, input.Contents!, target);
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
    /// Writes typed contents into <paramref name="target"/> as little-endian elements of
    /// <paramref name="datatype"/>, narrowing INT8/INT16/UINT8/UINT16, which the protocol carries widened.
    /// </summary>
    public static void CopyTyped(string datatype, InferTensorContents contents, Span<byte> target)
    {
        switch (datatype)
        {
            case TensorDataType.Fp32: Copy(contents.Fp32Contents, MemoryMarshal.Cast<byte, float>(target)); break;
            case TensorDataType.Fp64: Copy(contents.Fp64Contents, MemoryMarshal.Cast<byte, double>(target)); break;
            case TensorDataType.Int32: Copy(contents.IntContents, MemoryMarshal.Cast<byte, int>(target)); break;
            case TensorDataType.Int64: Copy(contents.Int64Contents, MemoryMarshal.Cast<byte, long>(target)); break;
            case TensorDataType.UInt32: Copy(contents.UintContents, MemoryMarshal.Cast<byte, uint>(target)); break;
            case TensorDataType.UInt64: Copy(contents.Uint64Contents, MemoryMarshal.Cast<byte, ulong>(target)); break;
            case TensorDataType.Bool: Copy(contents.BoolContents, MemoryMarshal.Cast<byte, bool>(target)); break;
            case TensorDataType.Int8:
                {
                    var typed = MemoryMarshal.Cast<byte, sbyte>(target);
                    for (var i = 0; i < typed.Length; i++) { typed[i] = (sbyte)contents.IntContents[i]; }
                    break;
                }
            case TensorDataType.Int16:
                {
                    var typed = MemoryMarshal.Cast<byte, short>(target);
                    for (var i = 0; i < typed.Length; i++) { typed[i] = (short)contents.IntContents[i]; }
                    break;
                }
            case TensorDataType.UInt8:
                for (var i = 0; i < target.Length; i++) { target[i] = (byte)contents.UintContents[i]; }
                break;
            case TensorDataType.UInt16:
                {
                    var typed = MemoryMarshal.Cast<byte, ushort>(target);
                    for (var i = 0; i < typed.Length; i++) { typed[i] = (ushort)contents.UintContents[i]; }
                    break;
                }
            default:
                throw new ArgumentException($"Datatype {datatype} has no typed contents.", nameof(datatype));
        }
    }

    private static void Copy<T>(RepeatedField<T> source, Span<T> target)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] = source[i];
        }
    }

    /// <summary>
    /// Appends an output to <paramref name="response"/>: raw bytes when <paramref name="raw"/> is set,
    /// typed contents otherwise. One block copy out of <paramref name="data"/>, which ONNX Runtime
    /// frees with the run's results.
    /// </summary>
    public static void AddOutput(ModelInferResponse response, string name, string datatype, long[] shape, ReadOnlySpan<byte> data, bool raw)
    {
        var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = name, Datatype = datatype };
        tensor.Shape.Add(shape);
        response.Outputs.Add(tensor);
        if (raw || !TensorDataType.HasTypedContents(datatype))
        {
            response.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(data.ToArray()));
            return;
        }

        var contents = new InferTensorContents();
        switch (datatype)
        {
            case TensorDataType.Fp32: contents.Fp32Contents.AddRange(MemoryMarshal.Cast<byte, float>(data).ToArray()); break;
            case TensorDataType.Fp64: contents.Fp64Contents.AddRange(MemoryMarshal.Cast<byte, double>(data).ToArray()); break;
            case TensorDataType.Int32: contents.IntContents.AddRange(MemoryMarshal.Cast<byte, int>(data).ToArray()); break;
            case TensorDataType.Int64: contents.Int64Contents.AddRange(MemoryMarshal.Cast<byte, long>(data).ToArray()); break;
            case TensorDataType.UInt32: contents.UintContents.AddRange(MemoryMarshal.Cast<byte, uint>(data).ToArray()); break;
            case TensorDataType.UInt64: contents.Uint64Contents.AddRange(MemoryMarshal.Cast<byte, ulong>(data).ToArray()); break;
            case TensorDataType.Bool: contents.BoolContents.AddRange(MemoryMarshal.Cast<byte, bool>(data).ToArray()); break;
            case TensorDataType.Int8: contents.IntContents.AddRange(Widen(MemoryMarshal.Cast<byte, sbyte>(data))); break;
            case TensorDataType.Int16: contents.IntContents.AddRange(Widen(MemoryMarshal.Cast<byte, short>(data))); break;
            case TensorDataType.UInt8: contents.UintContents.AddRange(WidenUnsigned(data)); break;
            case TensorDataType.UInt16: contents.UintContents.AddRange(WidenUnsigned(MemoryMarshal.Cast<byte, ushort>(data))); break;
            default: throw new NotSupportedException($"Output '{name}' is {datatype}, which this worker cannot return.");
        }
        tensor.Contents = contents;
    }

    private static int[] Widen<T>(ReadOnlySpan<T> values) where T : struct, System.Numerics.IBinaryInteger<T>
    {
        var widened = new int[values.Length];
        for (var i = 0; i < values.Length; i++) { widened[i] = int.CreateTruncating(values[i]); }
        return widened;
    }

    private static uint[] WidenUnsigned<T>(ReadOnlySpan<T> values) where T : struct, System.Numerics.IBinaryInteger<T>
    {
        var widened = new uint[values.Length];
        for (var i = 0; i < values.Length; i++) { widened[i] = uint.CreateTruncating(values[i]); }
        return widened;
    }

    /// <summary>Whether ONNX Runtime element type <paramref name="type"/> can be served.</summary>
    public static bool IsServable(TensorElementType type) =>
        TensorDataType.FromElementType(type) is { } name && name != TensorDataType.Bytes;
}
