using MlopsGateway.Contracts.Tensors;

namespace MlopsGateway.Tests.Contracts;

public class TensorDatatypeTests
{
    [Theory]
    [InlineData("BOOL", 1)]
    [InlineData("UINT8", 1)]
    [InlineData("UINT16", 2)]
    [InlineData("UINT32", 4)]
    [InlineData("UINT64", 8)]
    [InlineData("INT8", 1)]
    [InlineData("INT16", 2)]
    [InlineData("INT32", 4)]
    [InlineData("INT64", 8)]
    [InlineData("FP16", 2)]
    [InlineData("BF16", 2)]
    [InlineData("FP32", 4)]
    [InlineData("FP64", 8)]
    [InlineData("BYTES", 0)]
    public void ElementSize_EveryDatatype_AsTheProtocolSays(string datatype, int size)
    {
        Assert.Equal(size, TensorDatatype.ElementSize(datatype));
        Assert.True(TensorDatatype.IsKnown(datatype));
        Assert.Contains(datatype, TensorDatatype.All);
    }

    [Fact]
    public void All_FourteenDistinctNames() =>
        Assert.Equal(14, TensorDatatype.All.Distinct(StringComparer.Ordinal).Count());

    [Theory]
    [InlineData("fp32", "FP32")]
    [InlineData(" Int64 ", "INT64")]
    [InlineData("BYTES", "BYTES")]
    public void Parse_AnyLetterCase_TheProtocolName(string text, string expected) =>
        Assert.Equal(expected, TensorDatatype.Parse(text));

    [Theory]
    [InlineData("FLOAT")]
    [InlineData("FP8")]
    [InlineData("")]
    [InlineData(null)]
    public void Parse_NotADatatype_RefusedListingTheNames(string? text)
    {
        var ex = Assert.Throws<ArgumentException>(() => TensorDatatype.Parse(text));
        Assert.Contains($"'{text}' is not a protocol datatype; the datatypes are BOOL, UINT8,", ex.Message);
        Assert.False(TensorDatatype.TryParse(text, out _));
        Assert.False(TensorDatatype.IsKnown(text));
        Assert.Equal(0, TensorDatatype.ElementSize(text));
    }

    [Fact]
    public void IsKnown_WrongCase_NotKnown() => Assert.False(TensorDatatype.IsKnown("fp32"));

    [Fact]
    public void HasTypedContents_AllButTheHalfFloatsAndUnknown()
    {
        Assert.Equal(["FP16", "BF16"], TensorDatatype.All.Where(d => !TensorDatatype.HasTypedContents(d)));
        Assert.False(TensorDatatype.HasTypedContents("FLOAT"));
    }

    [Fact]
    public void Kinds_SplitTheNumericDatatypes()
    {
        Assert.Equal(["FP16", "BF16", "FP32", "FP64"], TensorDatatype.All.Where(TensorDatatype.IsFloatingPoint));
        Assert.Equal(["UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64"], TensorDatatype.All.Where(TensorDatatype.IsInteger));
    }

    [Theory]
    [InlineData("INT8", "int_contents")]
    [InlineData("UINT16", "uint_contents")]
    [InlineData("INT64", "int64_contents")]
    [InlineData("UINT64", "uint64_contents")]
    [InlineData("BOOL", "bool_contents")]
    [InlineData("FP32", "fp32_contents")]
    [InlineData("FP64", "fp64_contents")]
    [InlineData("BYTES", "bytes_contents")]
    public void ContentsField_TheWidenedFieldOfEachDatatype(string datatype, string field) =>
        Assert.Equal(field, TensorDatatype.ContentsField(datatype));
}
