using System.Buffers.Binary;
using Google.Protobuf;
using Inference;
using MlopsGateway.Contracts.Tensors;

namespace MlopsGateway.Tests.Contracts;

public class TensorContentsTests
{
    /// <summary>Each datatype with typed contents, its extremes and a middle value, and how one element is written little-endian.</summary>
    public static TheoryData<string, InferTensorContents, Func<int, byte[]>> Typed => new()
    {
        { "BOOL", Contents(c => c.BoolContents.Add([true, false, true])), i => [(byte)(i == 1 ? 0 : 1)] },
        { "UINT8", Contents(c => c.UintContents.Add([0u, 255u, 7u])), i => [new byte[] { 0, 255, 7 }[i]] },
        { "UINT16", Contents(c => c.UintContents.Add([0u, ushort.MaxValue, 300u])), i => Le(b => BinaryPrimitives.WriteUInt16LittleEndian(b, new ushort[] { 0, ushort.MaxValue, 300 }[i]), 2) },
        { "UINT32", Contents(c => c.UintContents.Add([0u, uint.MaxValue, 70000u])), i => Le(b => BinaryPrimitives.WriteUInt32LittleEndian(b, new[] { 0u, uint.MaxValue, 70000u }[i]), 4) },
        { "UINT64", Contents(c => c.Uint64Contents.Add([0ul, ulong.MaxValue, 9007199254740993ul])), i => Le(b => BinaryPrimitives.WriteUInt64LittleEndian(b, new[] { 0ul, ulong.MaxValue, 9007199254740993ul }[i]), 8) },
        { "INT8", Contents(c => c.IntContents.Add([sbyte.MinValue, sbyte.MaxValue, -1])), i => [(byte)new sbyte[] { sbyte.MinValue, sbyte.MaxValue, -1 }[i]] },
        { "INT16", Contents(c => c.IntContents.Add([short.MinValue, short.MaxValue, -2])), i => Le(b => BinaryPrimitives.WriteInt16LittleEndian(b, new short[] { short.MinValue, short.MaxValue, -2 }[i]), 2) },
        { "INT32", Contents(c => c.IntContents.Add([int.MinValue, int.MaxValue, -3])), i => Le(b => BinaryPrimitives.WriteInt32LittleEndian(b, new[] { int.MinValue, int.MaxValue, -3 }[i]), 4) },
        { "INT64", Contents(c => c.Int64Contents.Add([long.MinValue, long.MaxValue, 9007199254740993L])), i => Le(b => BinaryPrimitives.WriteInt64LittleEndian(b, new[] { long.MinValue, long.MaxValue, 9007199254740993L }[i]), 8) },
        { "FP32", Contents(c => c.Fp32Contents.Add([float.MinValue, float.Epsilon, 0.1f])), i => Le(b => BinaryPrimitives.WriteSingleLittleEndian(b, new[] { float.MinValue, float.Epsilon, 0.1f }[i]), 4) },
        { "FP64", Contents(c => c.Fp64Contents.Add([double.MaxValue, -0.0, 0.1])), i => Le(b => BinaryPrimitives.WriteDoubleLittleEndian(b, new[] { double.MaxValue, -0.0, 0.1 }[i]), 8) },
    };

    [Theory]
    [MemberData(nameof(Typed))]
    public void TypedToRawAndBack_EveryTypedDatatype_SameValuesLittleEndian(string datatype, InferTensorContents contents, Func<int, byte[]> element)
    {
        var raw = TensorContents.ToRaw(datatype, contents);

        Assert.Equal(Enumerable.Range(0, 3).SelectMany(element).ToArray(), raw);
        Assert.Equal(3, TensorContents.ElementCount(datatype, raw));
        Assert.Equal(contents, TensorContents.FromRaw(datatype, raw));
        Assert.Equal(3, TensorContents.Count(datatype, contents));
    }

    [Fact]
    public void WriteRaw_NarrowIntegersOutOfRange_Truncated()
    {
        var raw = TensorContents.ToRaw("INT8", Contents(c => c.IntContents.Add([200, -129])));
        Assert.Equal([200, 127], raw);
    }

    [Theory]
    [InlineData("FP32", 7, "7 bytes are not a whole number of FP32 elements (4 bytes each).")]
    [InlineData("INT64", 12, "12 bytes are not a whole number of INT64 elements (8 bytes each).")]
    [InlineData("UINT16", 3, "3 bytes are not a whole number of UINT16 elements (2 bytes each).")]
    public void RawNotWholeElements_RefusedSayingWhy(string datatype, int length, string message)
    {
        var raw = new byte[length];
        Assert.StartsWith(message, Assert.Throws<ArgumentException>(() => TensorContents.ElementCount(datatype, raw)).Message);
        Assert.StartsWith(message, Assert.Throws<ArgumentException>(() => TensorContents.FromRaw(datatype, raw)).Message);
        Assert.StartsWith(message, Assert.Throws<ArgumentException>(() => TensorValues.Format(datatype, raw)).Message);
    }

    [Theory]
    [InlineData("FP16")]
    [InlineData("BF16")]
    [InlineData("BYTES")]
    [InlineData("FLOAT")]
    public void NoFixedSizeTypedContents_BothWaysRefused(string datatype)
    {
        Assert.Contains($"Datatype {datatype} has no typed contents of a fixed size", Assert.Throws<ArgumentException>(() => TensorContents.FromRaw(datatype, new byte[4])).Message);
        Assert.Contains($"Datatype {datatype} has no typed contents of a fixed size", Assert.Throws<ArgumentException>(() => TensorContents.ToRaw(datatype, new InferTensorContents())).Message);
    }

    [Fact]
    public void WriteRaw_TargetNotTheValuesCarried_Refused()
    {
        var contents = Contents(c => c.Fp32Contents.Add([1f, 2f]));
        var ex = Assert.Throws<ArgumentException>(() => TensorContents.WriteRaw("FP32", contents, new byte[12]));
        Assert.StartsWith("2 FP32 values need 8 bytes, not 12.", ex.Message);
    }

    [Fact]
    public void ElementCount_Bytes_WalksTheLengthPrefixes()
    {
        byte[] two = [2, 0, 0, 0, (byte)'h', (byte)'i', 0, 0, 0, 0];
        Assert.Equal(2, TensorContents.ElementCount("BYTES", two));
        var ex = Assert.Throws<ArgumentException>(() => TensorContents.ElementCount("BYTES", two.AsSpan(0, 5)));
        Assert.StartsWith("5 bytes are not whole BYTES elements", ex.Message);
    }

    [Fact]
    public void CountAll_EveryField()
    {
        var contents = Contents(c =>
        {
            c.BoolContents.Add(true);
            c.Fp32Contents.Add([1f, 2f]);
            c.BytesContents.Add(ByteString.CopyFromUtf8("x"));
        });
        Assert.Equal(4, TensorContents.CountAll(contents));
        Assert.Equal(2, TensorContents.Count("FP32", contents));
    }

    internal static InferTensorContents Contents(Action<InferTensorContents> fill)
    {
        var contents = new InferTensorContents();
        fill(contents);
        return contents;
    }

    private static byte[] Le(Action<byte[]> write, int size)
    {
        var bytes = new byte[size];
        write(bytes);
        return bytes;
    }
}
