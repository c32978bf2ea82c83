using Inference;
using MlopsGateway.Gateway.Shadow;

namespace MlopsGateway.Tests.Gateway;

public class OutputComparerTests
{
    private static ModelInferResponse Scores(params float[] values)
    {
        var response = new ModelInferResponse();
        var output = new ModelInferResponse.Types.InferOutputTensor { Name = "probabilities", Datatype = "FP32", Contents = new InferTensorContents() };
        output.Shape.Add([values.Length / 2, 2]);
        output.Contents.Fp32Contents.Add(values);
        response.Outputs.Add(output);
        return response;
    }

    [Fact]
    public void Compare_SameAnswers_NoDifferenceAllRowsAgree()
    {
        var comparison = OutputComparer.Compare(Scores(0.2f, 0.8f, 0.6f, 0.4f), Scores(0.2f, 0.8f, 0.6f, 0.4f));
        Assert.Equal(new OutputComparison(0, 2, 2), comparison);
    }

    [Fact]
    public void Compare_DifferentScores_MaxDifferenceAndTopClassAgreement()
    {
        var comparison = OutputComparer.Compare(Scores(0.2f, 0.8f, 0.6f, 0.4f), Scores(0.3f, 0.7f, 0.4f, 0.6f));
        Assert.Equal(0.2, comparison.MaxAbsDiff, 5);
        Assert.Equal((2, 1), (comparison.Rows, comparison.RowsAgreeing));
    }

    [Fact]
    public void Compare_MissingOutput_InfiniteDifference()
    {
        Assert.Equal(double.PositiveInfinity, OutputComparer.Compare(Scores(0.5f, 0.5f), new ModelInferResponse()).MaxAbsDiff);
    }
}
