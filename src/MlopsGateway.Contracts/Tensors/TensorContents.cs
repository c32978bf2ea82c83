using System.Numerics;
using System.Runtime.InteropServices;
using Google.Protobuf.Collections;
using Inference;

namespace MlopsGateway.Contracts.Tensors;

/// <summary>
/// Moves a tensor's values between typed <see cref="InferTensorContents"/> and raw little-endian
/// bytes, narrowing INT8/INT16/UINT8/UINT16 on the way to raw and widening them on the way back,
/// as the protocol carries them widened.
/// </summary>
/// <remarks>
/// Raw bytes are reinterpreted in place (<see cref="MemoryMarshal"/>), which is little-endian
/// because every platform this runs on (x64, arm64) is; the worker copies inputs this way on its
/// hot path, so no per-element conversion is paid.
/// </remarks>
public static class TensorContents
{
    /// <summary>How many values <paramref name="contents"/> carries in <paramref name="datatype"/>'s field.</summary>
    public static int Count(string datatype, InferTensorContents contents) => datatype switch
    {
        TensorDatatype.Bool => contents.BoolContents.Count,
        TensorDatatype.Int8 or TensorDatatype.Int16 or TensorDatatype.Int32 => contents.IntContents.Count,
        TensorDatatype.Int64 => contents.Int64Contents.Count,
        TensorDatatype.UInt8 or TensorDatatype.UInt16 or TensorDatatype.UInt32 => contents.UintContents.Count,
        TensorDatatype.UInt64 => contents.Uint64Contents.Count,
        TensorDatatype.Fp32 => contents.Fp32Contents.Count,
        TensorDatatype.Fp64 => contents.Fp64Contents.Count,
        _ => contents.BytesContents.Count,
    };

    /// <summary>How many values <paramref name="contents"/> carries over all its fields.</summary>
    public static int CountAll(InferTensorContents contents) =>
        contents.BoolContents.Count + contents.IntContents.Count + contents.Int64Contents.Count
        + contents.UintContents.Count + contents.Uint64Contents.Count + contents.Fp32Contents.Count
        + contents.Fp64Contents.Count + contents.BytesContents.Count;

    /// <summary>How many elements of <paramref name="datatype"/> the raw bytes hold.</summary>
    /// <exception cref="ArgumentException">
    /// The datatype is unknown, or the length is not a whole number of elements (for BYTES: the
    /// length prefixes do not add up to the bytes).
    /// </exception>
    public static int ElementCount(string datatype, ReadOnlySpan<byte> raw)
    {
        var size = TensorDatatype.ElementSize(datatype);
        if (size > 0)
        {
            return raw.Length % size == 0 ? raw.Length / size
                : throw new ArgumentException($"{raw.Length} bytes are not a whole number of {datatype} elements ({size} bytes each).", nameof(raw));
        }
        if (datatype != TensorDatatype.Bytes)
        {
            throw new ArgumentException($"'{datatype}' is not a protocol datatype.", nameof(datatype));
        }
        return TensorRows.CountBytesElements(raw)
            ?? throw new ArgumentException($"{raw.Length} bytes are not whole BYTES elements (a 4-byte little-endian length, then that many bytes, each).", nameof(raw));
    }

    /// <summary>The values of <paramref name="contents"/> as raw little-endian elements of <paramref name="datatype"/>.</summary>
    /// <exception cref="ArgumentException">The datatype has no typed contents with a fixed size (FP16, BF16, BYTES, unknown).</exception>
    public static byte[] ToRaw(string datatype, InferTensorContents contents)
    {
        var raw = new byte[(long)Count(datatype, contents) * TensorDatatype.ElementSize(datatype)];
        WriteRaw(datatype, contents, raw);
        return raw;
    }

    /// <summary>
    /// Writes the values of <paramref name="contents"/> into <paramref name="target"/> as little-endian
    /// elements of <paramref name="datatype"/>; INT8/INT16/UINT8/UINT16 are narrowed by truncation.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The datatype has no typed contents with a fixed size, or <paramref name="target"/> does not
    /// hold exactly the values carried.
    /// </exception>
    public static void WriteRaw(string datatype, InferTensorContents contents, Span<byte> target)
    {
        var size = TensorDatatype.ElementSize(datatype);
        if (size == 0 || !TensorDatatype.HasTypedContents(datatype))
        {
            throw new ArgumentException($"Datatype {datatype} has no typed contents of a fixed size.", nameof(datatype));
        }
        var count = Count(datatype, contents);
        if ((long)count * size != target.Length)
        {
            throw new ArgumentException($"{count} {datatype} values need {(long)count * size} bytes, not {target.Length}.", nameof(target));
        }
        switch (datatype)
        {
            case TensorDatatype.Fp32: Copy(contents.Fp32Contents, MemoryMarshal.Cast<byte, float>(target)); break;
            case TensorDatatype.Fp64: Copy(contents.Fp64Contents, MemoryMarshal.Cast<byte, double>(target)); break;
            case TensorDatatype.Int32: Copy(contents.IntContents, MemoryMarshal.Cast<byte, int>(target)); break;
            case TensorDatatype.Int64: Copy(contents.Int64Contents, MemoryMarshal.Cast<byte, long>(target)); break;
            case TensorDatatype.UInt32: Copy(contents.UintContents, MemoryMarshal.Cast<byte, uint>(target)); break;
            case TensorDatatype.UInt64: Copy(contents.Uint64Contents, MemoryMarshal.Cast<byte, ulong>(target)); break;
            case TensorDatatype.Bool: Copy(contents.BoolContents, MemoryMarshal.Cast<byte, bool>(target)); break;
            case TensorDatatype.Int8: Narrow(contents.IntContents, MemoryMarshal.Cast<byte, sbyte>(target)); break;
            case TensorDatatype.Int16: Narrow(contents.IntContents, MemoryMarshal.Cast<byte, short>(target)); break;
            case TensorDatatype.UInt8: Narrow(contents.UintContents, target); break;
            default: Narrow(contents.UintContents, MemoryMarshal.Cast<byte, ushort>(target)); break;
        }
    }

    /// <summary>Typed contents holding the raw little-endian elements of <paramref name="datatype"/>, widened where the protocol widens them.</summary>
    /// <exception cref="ArgumentException">
    /// The datatype has no typed contents with a fixed size, or the length is not a whole number of elements.
    /// </exception>
    public static InferTensorContents FromRaw(string datatype, ReadOnlySpan<byte> raw)
    {
        if (!TensorDatatype.HasTypedContents(datatype) || datatype == TensorDatatype.Bytes)
        {
            throw new ArgumentException($"Datatype {datatype} has no typed contents of a fixed size.", nameof(datatype));
        }
        ElementCount(datatype, raw);
        var contents = new InferTensorContents();
        switch (datatype)
        {
            case TensorDatatype.Fp32: contents.Fp32Contents.AddRange(MemoryMarshal.Cast<byte, float>(raw).ToArray()); break;
            case TensorDatatype.Fp64: contents.Fp64Contents.AddRange(MemoryMarshal.Cast<byte, double>(raw).ToArray()); break;
            case TensorDatatype.Int32: contents.IntContents.AddRange(MemoryMarshal.Cast<byte, int>(raw).ToArray()); break;
            case TensorDatatype.Int64: contents.Int64Contents.AddRange(MemoryMarshal.Cast<byte, long>(raw).ToArray()); break;
            case TensorDatatype.UInt32: contents.UintContents.AddRange(MemoryMarshal.Cast<byte, uint>(raw).ToArray()); break;
            case TensorDatatype.UInt64: contents.Uint64Contents.AddRange(MemoryMarshal.Cast<byte, ulong>(raw).ToArray()); break;
            case TensorDatatype.Bool: contents.BoolContents.AddRange(MemoryMarshal.Cast<byte, bool>(raw).ToArray()); break;
            case TensorDatatype.Int8: contents.IntContents.AddRange(Widen<sbyte, int>(MemoryMarshal.Cast<byte, sbyte>(raw))); break;
            case TensorDatatype.Int16: contents.IntContents.AddRange(Widen<short, int>(MemoryMarshal.Cast<byte, short>(raw))); break;
            case TensorDatatype.UInt8: contents.UintContents.AddRange(Widen<byte, uint>(raw)); break;
            default: contents.UintContents.AddRange(Widen<ushort, uint>(MemoryMarshal.Cast<byte, ushort>(raw))); break;
        }
        return contents;
    }

    private static void Copy<T>(RepeatedField<T> source, Span<T> target)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] = source[i];
        }
    }

    private static void Narrow<TWide, TNarrow>(RepeatedField<TWide> source, Span<TNarrow> target)
        where TWide : IBinaryInteger<TWide>
        where TNarrow : IBinaryInteger<TNarrow>
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] = TNarrow.CreateTruncating(source[i]);
        }
    }

    private static TWide[] Widen<TNarrow, TWide>(ReadOnlySpan<TNarrow> values)
        where TNarrow : IBinaryInteger<TNarrow>
        where TWide : IBinaryInteger<TWide>
    {
        var widened = new TWide[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            widened[i] = TWide.CreateTruncating(values[i]);
        }
        return widened;
    }
}
