using Inference;
using MlopsGateway.Cli;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Cli;

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
}
