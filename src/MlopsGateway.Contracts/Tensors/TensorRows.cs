using System.Buffers.Binary;
using Google.Protobuf.Collections;
using Inference;

namespace MlopsGateway.Contracts.Tensors;

/// <summary>
/// Takes rows <c>[start, end)</c> of a tensor along its first dimension, from raw bytes or typed
/// contents: how merged requests are split back into one answer per request.
/// </summary>
public static class TensorRows
{
    /// <summary>
    /// The raw bytes of rows <c>[start, end)</c> of a <paramref name="datatype"/> tensor of
    /// <paramref name="shape"/>, without a copy. False when the shape has no first dimension, the
    /// range is outside it, or the bytes do not hold exactly the shape's elements.
    /// </summary>
    public static bool TrySlice(string datatype, ReadOnlyMemory<byte> raw, IReadOnlyList<long> shape, long start, long end, out ReadOnlyMemory<byte> rows)
    {
        rows = default;
        if (!TryElementRange(shape, start, end, out var total, out var first, out var last))
        {
            return false;
        }
        var size = TensorDatatype.ElementSize(datatype);
        if (size > 0)
        {
            if (raw.Length != total * size)
            {
                return false;
            }
            rows = raw[(int)(first * size)..(int)(last * size)];
            return true;
        }
        if (datatype != TensorDatatype.Bytes || !TryBytesOffsets(raw.Span, total, first, last, out var from, out var to))
        {
            return false;
        }
        rows = raw[from..to];
        return true;
    }

    /// <summary>
    /// Typed contents holding rows <c>[start, end)</c> of a tensor of <paramref name="shape"/>. Every
    /// field that carries values must carry exactly the shape's elements (an empty one stays empty);
    /// false otherwise, or when the shape has no first dimension or the range is outside it.
    /// </summary>
    public static bool TrySlice(InferTensorContents contents, IReadOnlyList<long> shape, long start, long end, out InferTensorContents rows)
    {
        rows = new InferTensorContents();
        if (!TryElementRange(shape, start, end, out var total, out var first, out var last))
        {
            return false;
        }
        var (from, count) = ((int)first, (int)(last - first));
        return Slice(contents.BoolContents, rows.BoolContents, from, count, total)
            && Slice(contents.IntContents, rows.IntContents, from, count, total)
            && Slice(contents.Int64Contents, rows.Int64Contents, from, count, total)
            && Slice(contents.UintContents, rows.UintContents, from, count, total)
            && Slice(contents.Uint64Contents, rows.Uint64Contents, from, count, total)
            && Slice(contents.Fp32Contents, rows.Fp32Contents, from, count, total)
            && Slice(contents.Fp64Contents, rows.Fp64Contents, from, count, total)
            && Slice(contents.BytesContents, rows.BytesContents, from, count, total);
    }

    /// <summary>How many BYTES elements the raw bytes hold; null when the length prefixes do not add up to them.</summary>
    internal static int? CountBytesElements(ReadOnlySpan<byte> raw)
    {
        var count = 0;
        long at = 0;
        while (at < raw.Length)
        {
            if (!TryNextBytesElement(raw, ref at))
            {
                return null;
            }
            count++;
        }
        return count;
    }

    /// <summary>The elements in the whole tensor and the element range of the rows; false when the shape or range does not fit.</summary>
    private static bool TryElementRange(IReadOnlyList<long> shape, long start, long end, out long total, out long first, out long last)
    {
        total = first = last = 0;
        if (shape.Count == 0 || start < 0 || start > end || end > shape[0])
        {
            return false;
        }
        long perRow = 1;
        for (var d = 1; d < shape.Count; d++)
        {
            if (shape[d] < 0 || (shape[d] > 0 && perRow > int.MaxValue / shape[d]))
            {
                return false;
            }
            perRow *= shape[d];
        }
        if (perRow > 0 && shape[0] > int.MaxValue / perRow)
        {
            return false;
        }
        (total, first, last) = (shape[0] * perRow, start * perRow, end * perRow);
        return true;
    }

    private static bool TryBytesOffsets(ReadOnlySpan<byte> raw, long total, long first, long last, out int from, out int to)
    {
        from = to = 0;
        long at = 0;
        for (long e = 0; e < total; e++)
        {
            if (e == first)
            {
                from = (int)at;
            }
            if (!TryNextBytesElement(raw, ref at))
            {
                return false;
            }
            if (e + 1 == last)
            {
                to = (int)at;
            }
        }
        if (first == last)
        {
            from = to = first == total ? (int)at : from;
        }
        return at == raw.Length;
    }

    /// <summary>Steps over one BYTES element: a 4-byte little-endian length and then that many bytes.</summary>
    private static bool TryNextBytesElement(ReadOnlySpan<byte> raw, ref long at)
    {
        if (at + 4 > raw.Length)
        {
            return false;
        }
        var next = at + 4 + BinaryPrimitives.ReadUInt32LittleEndian(raw[(int)at..]);
        if (next > raw.Length)
        {
            return false;
        }
        at = next;
        return true;
    }

    private static bool Slice<T>(RepeatedField<T> from, RepeatedField<T> to, int start, int count, long total)
    {
        if (from.Count == 0)
        {
            return true;
        }
        if (from.Count != total)
        {
            return false;
        }
        for (var i = start; i < start + count; i++)
        {
            to.Add(from[i]);
        }
        return true;
    }
}
