using System.Buffers.Binary;
using System.Globalization;
using Google.Protobuf;
using Inference;

namespace MlopsGateway.Contracts.Tensors;

/// <summary>
/// Builds one tensor's values element by element as raw little-endian bytes, checking each value
/// fits the datatype, then hands them out raw or as typed contents: how the CLI and the load tool
/// make requests without a switch of their own.
/// </summary>
public sealed class TensorWriter
{
    private readonly byte[] _raw;
    private readonly int _size;

    /// <summary>A tensor of <paramref name="count"/> elements of <paramref name="datatype"/>, all zero (false).</summary>
    /// <exception cref="ArgumentException">The datatype is BYTES or unknown: its elements have no fixed size.</exception>
    public TensorWriter(string datatype, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _size = TensorDatatype.ElementSize(datatype);
        if (_size == 0)
        {
            throw new ArgumentException($"{datatype} has no fixed element size; its values cannot be written element by element.", nameof(datatype));
        }
        Datatype = datatype;
        Count = count;
        _raw = new byte[checked(count * _size)];
    }

    /// <summary>The datatype being written.</summary>
    public string Datatype { get; }

    /// <summary>How many elements the tensor holds.</summary>
    public int Count { get; }

    /// <summary>Sets element <paramref name="index"/> to an integer: exactly for integer datatypes, rounded to the nearest for floating-point ones, non-zero as true for BOOL.</summary>
    /// <exception cref="OverflowException">The value is outside the integer datatype's range.</exception>
    public void Set(int index, long value)
    {
        if (TensorDatatype.IsFloatingPoint(Datatype))
        {
            Set(index, (double)value);
            return;
        }
        var target = Element(index);
        switch (Datatype)
        {
            case TensorDatatype.Bool: target[0] = value != 0 ? (byte)1 : (byte)0; break;
            case TensorDatatype.Int8: target[0] = (byte)Fit<sbyte>(value); break;
            case TensorDatatype.UInt8: target[0] = Fit<byte>(value); break;
            case TensorDatatype.Int16: BinaryPrimitives.WriteInt16LittleEndian(target, Fit<short>(value)); break;
            case TensorDatatype.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(target, Fit<ushort>(value)); break;
            case TensorDatatype.Int32: BinaryPrimitives.WriteInt32LittleEndian(target, Fit<int>(value)); break;
            case TensorDatatype.UInt32: BinaryPrimitives.WriteUInt32LittleEndian(target, Fit<uint>(value)); break;
            case TensorDatatype.UInt64: BinaryPrimitives.WriteUInt64LittleEndian(target, Fit<ulong>(value)); break;
            default: BinaryPrimitives.WriteInt64LittleEndian(target, value); break;
        }
    }

    /// <summary>Sets element <paramref name="index"/> to an unsigned integer, for values above <see cref="long.MaxValue"/> (UINT64).</summary>
    /// <exception cref="OverflowException">The value is outside the integer datatype's range.</exception>
    public void Set(int index, ulong value)
    {
        if (value <= long.MaxValue)
        {
            Set(index, (long)value);
        }
        else if (Datatype == TensorDatatype.UInt64)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(Element(index), value);
        }
        else if (TensorDatatype.IsFloatingPoint(Datatype))
        {
            Set(index, (double)value);
        }
        else if (Datatype == TensorDatatype.Bool)
        {
            Element(index)[0] = 1;
        }
        else
        {
            throw OutOfRange(value);
        }
    }

    /// <summary>
    /// Sets element <paramref name="index"/> to a number: rounded to the nearest value of a
    /// floating-point datatype; for an integer datatype it must be a whole number in range; non-zero is true for BOOL.
    /// </summary>
    /// <exception cref="OverflowException">A fraction, or a value outside the integer datatype's range.</exception>
    public void Set(int index, double value)
    {
        var target = Element(index);
        switch (Datatype)
        {
            case TensorDatatype.Fp64: BinaryPrimitives.WriteDoubleLittleEndian(target, value); break;
            case TensorDatatype.Fp32: BinaryPrimitives.WriteSingleLittleEndian(target, (float)value); break;
            case TensorDatatype.Fp16: BinaryPrimitives.WriteHalfLittleEndian(target, (Half)value); break;
            case TensorDatatype.Bf16: BinaryPrimitives.WriteUInt16LittleEndian(target, ToBf16((float)value)); break;
            case TensorDatatype.Bool: target[0] = value != 0 ? (byte)1 : (byte)0; break;
            default:
                if (value != Math.Floor(value) || !double.IsFinite(value))
                {
                    throw new OverflowException($"{value.ToString(CultureInfo.InvariantCulture)} is not a whole number, as {Datatype} needs.");
                }
                // 2^63 and above: only UINT64 takes them, and a double that large is a whole number.
                if (value >= 9223372036854775808.0)
                {
                    Set(index, value < 18446744073709551616.0 ? (ulong)value : throw OutOfRange(value));
                }
                else
                {
                    Set(index, value >= -9223372036854775808.0 ? (long)value : throw OutOfRange(value));
                }
                break;
        }
    }

    /// <summary>Sets element <paramref name="index"/> to a boolean: 1 or 0 for numeric datatypes.</summary>
    public void Set(int index, bool value)
    {
        if (Datatype == TensorDatatype.Bool)
        {
            Element(index)[0] = value ? (byte)1 : (byte)0;
        }
        else
        {
            Set(index, value ? 1L : 0L);
        }
    }

    /// <summary>The elements as raw little-endian bytes, as <c>raw_input_contents</c> carries them.</summary>
    public ByteString ToRaw() => ByteString.CopyFrom(_raw);

    /// <summary>The elements as typed contents, in the datatype's field.</summary>
    /// <exception cref="ArgumentException">FP16 and BF16, which travel only raw.</exception>
    public InferTensorContents ToContents() => TensorContents.FromRaw(Datatype, _raw);

    private Span<byte> Element(int index) => _raw.AsSpan(index * _size, _size);

    private T Fit<T>(long value) where T : System.Numerics.IBinaryInteger<T>
    {
        try
        {
            return T.CreateChecked(value);
        }
        catch (OverflowException)
        {
            throw OutOfRange(value);
        }
    }

    private OverflowException OutOfRange<T>(T value) where T : IFormattable =>
        new($"{value.ToString(null, CultureInfo.InvariantCulture)} is outside the range of {Datatype}.");

    /// <summary>The upper half of an FP32, rounded to the nearest (ties to even); NaN stays NaN.</summary>
    private static ushort ToBf16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40);
        }
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }
}
