using System.Buffers.Binary;
using System.Globalization;
using Inference;

namespace MlopsGateway.Contracts.Tensors;

/// <summary>
/// Reads a tensor's values, typed or raw, as doubles (to compare answers) or as exact text (to
/// print them): 64-bit integers keep every digit and floats print the shortest text that reads
/// back as the same value.
/// </summary>
public static class TensorValues
{
    /// <summary>The values of output <paramref name="index"/> as doubles (booleans as 0/1); empty for BYTES and unknown datatypes.</summary>
    /// <exception cref="ArgumentException">Raw contents that are not a whole number of elements.</exception>
    public static double[] ReadOutput(ModelInferResponse response, int index) =>
        Output(response, index, ToDoubles, ToDoubles);

    /// <summary>The values of output <paramref name="index"/> as exact text, e.g. <c>9007199254740993</c>, <c>0.1</c>, <c>true</c>; empty for BYTES and unknown datatypes.</summary>
    /// <exception cref="ArgumentException">Raw contents that are not a whole number of elements.</exception>
    public static string[] FormatOutput(ModelInferResponse response, int index) =>
        Output(response, index, Format, Format);

    /// <summary>Raw little-endian elements as doubles (booleans as 0/1); 64-bit integers above 2^53 lose digits.</summary>
    /// <exception cref="ArgumentException">The length is not a whole number of elements.</exception>
    public static double[] ToDoubles(string datatype, ReadOnlySpan<byte> raw) => Read(datatype, raw, ElementToDouble);

    /// <summary>Typed values as doubles (booleans as 0/1).</summary>
    public static double[] ToDoubles(string datatype, InferTensorContents contents) => Read(datatype, contents, ElementToDouble);

    /// <summary>Raw little-endian elements as exact invariant text.</summary>
    /// <exception cref="ArgumentException">The length is not a whole number of elements.</exception>
    public static string[] Format(string datatype, ReadOnlySpan<byte> raw) => Read(datatype, raw, FormatElement);

    /// <summary>Typed values as exact invariant text.</summary>
    public static string[] Format(string datatype, InferTensorContents contents) => Read(datatype, contents, FormatElement);

    private delegate T ElementReader<T>(string datatype, ReadOnlySpan<byte> element);

    private static T[] Output<T>(
        ModelInferResponse response, int index, Func<string, ReadOnlySpan<byte>, T[]> fromRaw, Func<string, InferTensorContents, T[]> fromContents)
    {
        var output = response.Outputs[index];
        if (response.RawOutputContents.Count > 0)
        {
            return index < response.RawOutputContents.Count ? fromRaw(output.Datatype, response.RawOutputContents[index].Span) : [];
        }
        return fromContents(output.Datatype, output.Contents ?? new InferTensorContents());
    }

    private static T[] Read<T>(string datatype, InferTensorContents contents, ElementReader<T> element) =>
        TensorDatatype.HasTypedContents(datatype) && datatype != TensorDatatype.Bytes
            ? Read(datatype, TensorContents.ToRaw(datatype, contents), element)
            : [];

    private static T[] Read<T>(string datatype, ReadOnlySpan<byte> raw, ElementReader<T> element)
    {
        var size = TensorDatatype.ElementSize(datatype);
        if (size == 0)
        {
            return [];
        }
        var values = new T[TensorContents.ElementCount(datatype, raw)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = element(datatype, raw.Slice(i * size, size));
        }
        return values;
    }

    private static double ElementToDouble(string datatype, ReadOnlySpan<byte> b) => datatype switch
    {
        TensorDatatype.Fp32 => BinaryPrimitives.ReadSingleLittleEndian(b),
        TensorDatatype.Fp64 => BinaryPrimitives.ReadDoubleLittleEndian(b),
        TensorDatatype.Fp16 => (double)BinaryPrimitives.ReadHalfLittleEndian(b),
        TensorDatatype.Bf16 => ReadBf16(b),
        TensorDatatype.Bool => b[0] != 0 ? 1 : 0,
        TensorDatatype.UInt64 => BinaryPrimitives.ReadUInt64LittleEndian(b),
        _ => ReadInteger(datatype, b),
    };

    private static string FormatElement(string datatype, ReadOnlySpan<byte> b) => datatype switch
    {
        // The default formatting of .NET's floating-point types is the shortest text that parses back to the same value.
        TensorDatatype.Fp32 => BinaryPrimitives.ReadSingleLittleEndian(b).ToString(CultureInfo.InvariantCulture),
        TensorDatatype.Fp64 => BinaryPrimitives.ReadDoubleLittleEndian(b).ToString(CultureInfo.InvariantCulture),
        TensorDatatype.Fp16 => BinaryPrimitives.ReadHalfLittleEndian(b).ToString(CultureInfo.InvariantCulture),
        TensorDatatype.Bf16 => ReadBf16(b).ToString(CultureInfo.InvariantCulture),
        TensorDatatype.Bool => b[0] != 0 ? "true" : "false",
        TensorDatatype.UInt64 => BinaryPrimitives.ReadUInt64LittleEndian(b).ToString(CultureInfo.InvariantCulture),
        _ => ReadInteger(datatype, b).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>A BF16 element is the upper half of the FP32 with the same value.</summary>
    private static float ReadBf16(ReadOnlySpan<byte> b) => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b) << 16);

    /// <summary>Every integer datatype but UINT64 fits a long exactly.</summary>
    private static long ReadInteger(string datatype, ReadOnlySpan<byte> b) => datatype switch
    {
        TensorDatatype.Int8 => (sbyte)b[0],
        TensorDatatype.UInt8 => b[0],
        TensorDatatype.Int16 => BinaryPrimitives.ReadInt16LittleEndian(b),
        TensorDatatype.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(b),
        TensorDatatype.Int32 => BinaryPrimitives.ReadInt32LittleEndian(b),
        TensorDatatype.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(b),
        _ => BinaryPrimitives.ReadInt64LittleEndian(b),
    };
}
