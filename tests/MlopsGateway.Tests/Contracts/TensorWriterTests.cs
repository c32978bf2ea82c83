using MlopsGateway.Contracts.Tensors;

namespace MlopsGateway.Tests.Contracts;

public class TensorWriterTests
{
    [Theory]
    [InlineData("INT8", 128L, "128 is outside the range of INT8.")]
    [InlineData("INT8", -129L, "-129 is outside the range of INT8.")]
    [InlineData("UINT8", -1L, "-1 is outside the range of UINT8.")]
    [InlineData("INT32", 2147483648L, "2147483648 is outside the range of INT32.")]
    [InlineData("UINT64", -1L, "-1 is outside the range of UINT64.")]
    public void Set_IntegerOutOfRange_RefusedNamingTheValue(string datatype, long value, string message)
    {
        var writer = new TensorWriter(datatype, 1);
        Assert.Equal(message, Assert.Throws<OverflowException>(() => writer.Set(0, value)).Message);
    }

    [Fact]
    public void Set_FractionIntoAnInteger_Refused()
    {
        var writer = new TensorWriter("INT64", 1);
        Assert.Equal("1.5 is not a whole number, as INT64 needs.", Assert.Throws<OverflowException>(() => writer.Set(0, 1.5)).Message);
        writer.Set(0, 3.0);
        Assert.Equal([3L], writer.ToContents().Int64Contents);
    }

    [Fact]
    public void Set_64BitExtremes_Exact()
    {
        var signed = new TensorWriter("INT64", 2);
        signed.Set(0, long.MinValue);
        signed.Set(1, 9007199254740993L);
        Assert.Equal([long.MinValue, 9007199254740993L], signed.ToContents().Int64Contents);

        var unsigned = new TensorWriter("UINT64", 2);
        unsigned.Set(0, ulong.MaxValue);
        unsigned.Set(1, 9007199254740993ul);
        Assert.Equal([ulong.MaxValue, 9007199254740993ul], unsigned.ToContents().Uint64Contents);
        Assert.Throws<OverflowException>(() => new TensorWriter("INT64", 1).Set(0, ulong.MaxValue));
    }

    [Fact]
    public void Set_IntoBoolAndFloats_Converted()
    {
        var flags = new TensorWriter("BOOL", 3);
        flags.Set(0, 2L);
        flags.Set(1, 0.0);
        flags.Set(2, true);
        Assert.Equal([true, false, true], flags.ToContents().BoolContents);

        var floats = new TensorWriter("FP32", 2);
        floats.Set(0, 16777217L);
        floats.Set(1, true);
        Assert.Equal([16777216f, 1f], floats.ToContents().Fp32Contents);
    }

    [Fact]
    public void Set_Bf16_RoundsToNearestEven()
    {
        var writer = new TensorWriter("BF16", 2);
        // 1 + 2^-8 lies halfway between two BF16 values (1 and 1 + 2^-7): ties go to the even one, 1.
        writer.Set(0, 1.00390625);
        // 1 + 3·2^-9 is nearer 1 + 2^-7 than 1.
        writer.Set(1, 1.005859375);
        Assert.Equal(["1", "1.0078125"], TensorValues.Format("BF16", writer.ToRaw().Span));
    }

    [Fact]
    public void ToContents_HalfFloat_RefusedAsRawOnly()
    {
        var writer = new TensorWriter("FP16", 1);
        Assert.Contains("no typed contents", Assert.Throws<ArgumentException>(writer.ToContents).Message);
        Assert.Equal(2, writer.ToRaw().Length);
    }

    [Fact]
    public void New_Bytes_Refused() =>
        Assert.Contains("BYTES has no fixed element size", Assert.Throws<ArgumentException>(() => new TensorWriter("BYTES", 1)).Message);
}
