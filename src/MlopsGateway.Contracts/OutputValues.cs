using System.Buffers.Binary;
using Inference;

namespace MlopsGateway.Contracts;

/// <summary>Reads a <see cref="ModelInferResponse"/>'s output tensors, typed or raw, as flat doubles.</summary>
public static class OutputValues
{
    /// <summary>The values of output <paramref name="index"/> as doubles (booleans as 0/1); empty for BYTES.</summary>
    public static double[] Read(ModelInferResponse response, int index)
    {
        var output = response.Outputs[index];
        if (response.RawOutputContents.Count > 0)
        {
            return index < response.RawOutputContents.Count ? FromRaw(output.Datatype, response.RawOutputContents[index].Span) : [];
        }
        var c = output.Contents ?? new InferTensorContents();
        return output.Datatype switch
        {
            "FP32" => c.Fp32Contents.Select(v => (double)v).ToArray(),
            "FP64" => c.Fp64Contents.ToArray(),
            "INT8" or "INT16" or "INT32" => c.IntContents.Select(v => (double)v).ToArray(),
            "INT64" => c.Int64Contents.Select(v => (double)v).ToArray(),
            "UINT8" or "UINT16" or "UINT32" => c.UintContents.Select(v => (double)v).ToArray(),
            "UINT64" => c.Uint64Contents.Select(v => (double)v).ToArray(),
            "BOOL" => c.BoolContents.Select(v => v ? 1.0 : 0.0).ToArray(),
            _ => [],
        };
    }

    /// <summary>Bytes per element of a datatype; 0 for BYTES and unknown names.</summary>
    public static int ElementSize(string datatype) => datatype switch
    {
        "BOOL" or "INT8" or "UINT8" => 1,
        "INT16" or "UINT16" or "FP16" or "BF16" => 2,
        "INT32" or "UINT32" or "FP32" => 4,
        "INT64" or "UINT64" or "FP64" => 8,
        _ => 0,
    };

    private static double[] FromRaw(string datatype, ReadOnlySpan<byte> bytes)
    {
        var size = ElementSize(datatype);
        if (size == 0)
        {
            return [];
        }
        var values = new double[bytes.Length / size];
        for (var i = 0; i < values.Length; i++)
        {
            var b = bytes.Slice(i * size, size);
            values[i] = datatype switch
            {
                "FP32" => BinaryPrimitives.ReadSingleLittleEndian(b),
                "FP64" => BinaryPrimitives.ReadDoubleLittleEndian(b),
                "FP16" => (double)BinaryPrimitives.ReadHalfLittleEndian(b),
                "BF16" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b) << 16),
                "INT8" => (sbyte)b[0],
                "UINT8" or "BOOL" => b[0],
                "INT16" => BinaryPrimitives.ReadInt16LittleEndian(b),
                "UINT16" => BinaryPrimitives.ReadUInt16LittleEndian(b),
                "INT32" => BinaryPrimitives.ReadInt32LittleEndian(b),
                "UINT32" => BinaryPrimitives.ReadUInt32LittleEndian(b),
                "INT64" => BinaryPrimitives.ReadInt64LittleEndian(b),
                "UINT64" => BinaryPrimitives.ReadUInt64LittleEndian(b),
                _ => double.NaN,
            };
        }
        return values;
    }
}
