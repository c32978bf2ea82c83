using Inference;
using MlopsGateway.Contracts.Tensors;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Contracts;

public class PredictRequestBuilderTests
{
    private static ModelMetadataResponse Metadata() => TestModels.PropensityMetadata();

    [Fact]
    public void Build_OneRowWithoutBatchBrackets_GetsBatchOfOne()
    {
        var request = PredictRequestBuilder.Build(Metadata(), "2", ["features=[1, 2, 3, 4, 5]"], raw: false);
        Assert.Equal(("propensity", "2"), (request.ModelName, request.ModelVersion));
        Assert.Equal([1L, 5L], request.Inputs[0].Shape);
        Assert.Equal([1f, 2f, 3f, 4f, 5f], request.Inputs[0].Contents.Fp32Contents);
    }

    [Fact]
    public void Build_Raw_LittleEndianBytes()
    {
        var request = PredictRequestBuilder.Build(Metadata(), null, ["features=[[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]"], raw: true);
        Assert.Equal([2L, 5L], request.Inputs[0].Shape);
        var raw = request.RawInputContents[0].ToByteArray();
        Assert.Equal(40, raw.Length);
        Assert.Equal(10f, BitConverter.ToSingle(raw, 36));
    }

    [Theory]
    [InlineData("features=[[1, 2], [3]]", "ragged")]
    [InlineData("features=[1, \"a\", 3, 4, 5]", "not a number")]
    [InlineData("features=[1, 2", "not valid JSON")]
    [InlineData("labels=[1]", "has no input 'labels'")]
    [InlineData("features", "not name=JSON")]
    public void Build_BadInput_ExplainsWhat(string argument, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => PredictRequestBuilder.Build(Metadata(), null, [argument], raw: false));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Build_InputMissing_NamesIt()
    {
        var ex = Assert.Throws<ArgumentException>(() => PredictRequestBuilder.Build(Metadata(), null, [], raw: false));
        Assert.Contains("features (FP32 [-1, 5])", ex.Message);
    }

    private static ModelMetadataResponse Ids(string datatype) => TestModels.Metadata("ids", ("ids", datatype, [-1]));

    [Fact]
    public void Build_Int64AboveTwoTo53_Exact()
    {
        var typed = PredictRequestBuilder.Build(Ids("INT64"), null, ["ids=[9007199254740993, -9223372036854775808]"], raw: false);
        var raw = PredictRequestBuilder.Build(Ids("INT64"), null, ["ids=[9007199254740993, -9223372036854775808]"], raw: true);

        Assert.Equal([9007199254740993L, long.MinValue], typed.Inputs[0].Contents.Int64Contents);
        Assert.Equal(9007199254740993L, BitConverter.ToInt64(raw.RawInputContents[0].Span));
    }

    [Fact]
    public void Build_UInt64AboveTheSignedRange_Exact()
    {
        var request = PredictRequestBuilder.Build(Ids("UINT64"), null, ["ids=[18446744073709551615]"], raw: false);
        Assert.Equal([ulong.MaxValue], request.Inputs[0].Contents.Uint64Contents);
    }

    [Theory]
    [InlineData("INT8", "ids=[1, 128]", "--input ids: 128 is outside the range of INT8.")]
    [InlineData("UINT32", "ids=[-1]", "--input ids: -1 is outside the range of UINT32.")]
    [InlineData("INT64", "ids=[1.5]", "--input ids: '1.5' is not an integer.")]
    [InlineData("INT64", "ids=[18446744073709551615]", "--input ids: 18446744073709551615 is outside the range of INT64.")]
    [InlineData("FP16", "ids=[1]", "--input ids: FP16 cannot be sent as typed contents; use --raw.")]
    public void Build_ValueThatDoesNotFitTheDatatype_ExplainsWhat(string datatype, string argument, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => PredictRequestBuilder.Build(Ids(datatype), null, [argument], raw: false));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void Build_HalfFloatsRaw_LittleEndian()
    {
        var request = PredictRequestBuilder.Build(Ids("FP16"), null, ["ids=[1.5, -2]"], raw: true);
        Assert.Equal([(Half)1.5, (Half)(-2)], [BitConverter.ToHalf(request.RawInputContents[0].Span), BitConverter.ToHalf(request.RawInputContents[0].Span[2..])]);
    }
}
