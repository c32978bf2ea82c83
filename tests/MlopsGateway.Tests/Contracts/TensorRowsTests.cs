using Google.Protobuf;
using MlopsGateway.Contracts.Tensors;
using static MlopsGateway.Tests.Contracts.TensorContentsTests;

namespace MlopsGateway.Tests.Contracts;

public class TensorRowsTests
{
    private static readonly long[] s_fourByTwo = [4, 2];

    [Fact]
    public void TrySlice_RawFixedSize_TheRowsBytesWithoutACopy()
    {
        var raw = TensorContents.ToRaw("FP32", Contents(c => c.Fp32Contents.Add([0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f])));

        Assert.True(TensorRows.TrySlice("FP32", raw, s_fourByTwo, 1, 3, out var rows));

        Assert.Equal(["2", "3", "4", "5"], TensorValues.Format("FP32", rows.Span));
        Assert.True(raw.AsMemory(8, 16).Span == rows.Span);
    }

    [Fact]
    public void TrySlice_EmptyRangeAtTheEnd_NoBytes()
    {
        var raw = new byte[16];
        Assert.True(TensorRows.TrySlice("INT16", raw, s_fourByTwo, 4, 4, out var rows));
        Assert.Equal(0, rows.Length);
    }

    [Theory]
    [InlineData(28, 0, 1)] // one element short of the shape
    [InlineData(32, 3, 5)] // past the last row
    [InlineData(32, 2, 1)] // backwards
    [InlineData(32, -1, 1)]
    public void TrySlice_RawThatDoesNotFit_False(int length, long start, long end) =>
        Assert.False(TensorRows.TrySlice("FP32", new byte[length], s_fourByTwo, start, end, out _));

    [Fact]
    public void TrySlice_NoFirstDimension_False() =>
        Assert.False(TensorRows.TrySlice("FP32", new byte[4], [], 0, 1, out _));

    [Fact]
    public void TrySlice_RawBytes_FollowsTheLengthPrefixes()
    {
        byte[] raw = [.. Element("a"), .. Element("bcd"), .. Element(""), .. Element("ef")];

        Assert.True(TensorRows.TrySlice("BYTES", raw, [4], 1, 3, out var middle));
        Assert.Equal([.. Element("bcd"), .. Element("")], middle.ToArray());
        Assert.True(TensorRows.TrySlice("BYTES", raw, [2, 2], 1, 2, out var last));
        Assert.Equal([.. Element(""), .. Element("ef")], last.ToArray());
        Assert.False(TensorRows.TrySlice("BYTES", raw, [5], 0, 1, out _));
        Assert.False(TensorRows.TrySlice("BYTES", raw.AsMemory(0, raw.Length - 1), [4], 0, 1, out _));
    }

    [Fact]
    public void TrySlice_Typed_TheRowsOfEachCarryingField()
    {
        var contents = Contents(c => c.Int64Contents.Add([1L, 2, 3, 4, 9007199254740993L, 6, 7, 8]));

        Assert.True(TensorRows.TrySlice(contents, s_fourByTwo, 2, 4, out var rows));

        Assert.Equal([9007199254740993L, 6, 7, 8], rows.Int64Contents);
        Assert.Empty(rows.Fp32Contents);
    }

    [Fact]
    public void TrySlice_TypedFieldOfTheWrongLength_False()
    {
        var contents = Contents(c =>
        {
            c.Int64Contents.Add([1L, 2, 3, 4, 5, 6, 7, 8]);
            c.BoolContents.Add(true);
        });
        Assert.False(TensorRows.TrySlice(contents, s_fourByTwo, 0, 1, out _));
    }

    private static byte[] Element(string text)
    {
        var bytes = ByteString.CopyFromUtf8(text).ToByteArray();
        return [(byte)bytes.Length, 0, 0, 0, .. bytes];
    }
}
