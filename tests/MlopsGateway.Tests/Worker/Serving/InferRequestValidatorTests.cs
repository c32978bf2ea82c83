using Google.Protobuf;
using Grpc.Core;
using Inference;
using MlopsGateway.Worker.Serving;
using MlopsGateway.Worker.Tensors;

namespace MlopsGateway.Tests.Worker.Serving;

public class InferRequestValidatorTests
{
    private static readonly TensorSpec[] s_inputs =
    [
        new("features", "FP32", [-1, 5]),
        new("mask", "BOOL", [-1]),
    ];

    private static readonly TensorSpec[] s_outputs =
    [
        new("probabilities", "FP32", [-1, 2]),
        new("label", "INT64", [-1]),
    ];

    private static ModelInferRequest.Types.InferInputTensor Tensor(string name, string datatype, params long[] shape)
    {
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = datatype };
        tensor.Shape.Add(shape);
        return tensor;
    }

    private static ModelInferRequest TypedRequest(int rows = 2)
    {
        var request = new ModelInferRequest { ModelName = "m" };
        var features = Tensor("features", "FP32", rows, 5);
        features.Contents = new InferTensorContents();
        features.Contents.Fp32Contents.Add(Enumerable.Range(0, rows * 5).Select(i => (float)i));
        var mask = Tensor("mask", "BOOL", rows);
        mask.Contents = new InferTensorContents();
        mask.Contents.BoolContents.Add(Enumerable.Repeat(true, rows));
        request.Inputs.Add(features);
        request.Inputs.Add(mask);
        return request;
    }

    private static ModelInferRequest RawRequest(int rows = 2, int featureBytes = -1)
    {
        var request = new ModelInferRequest { ModelName = "m" };
        request.Inputs.Add(Tensor("mask", "BOOL", rows));
        request.Inputs.Add(Tensor("features", "FP32", rows, 5));
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[rows]));
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[featureBytes < 0 ? rows * 5 * 4 : featureBytes]));
        return request;
    }

    private static string Refusal(ModelInferRequest request)
    {
        var ex = Assert.Throws<RpcException>(() => InferRequestValidator.Validate(request, "model 'm' version 1", s_inputs, s_outputs));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        return ex.Status.Detail;
    }

    [Fact]
    public void Validate_TypedRequest_ReturnsInputsInModelOrderAndEveryOutput()
    {
        var (inputs, outputs) = InferRequestValidator.Validate(TypedRequest(3), "m", s_inputs, s_outputs);
        Assert.Equal(["features", "mask"], inputs.Select(i => i.Spec.Name));
        Assert.Equal([3L, 5L], inputs[0].Shape);
        Assert.Equal(15, inputs[0].ElementCount);
        Assert.NotNull(inputs[0].Contents);
        Assert.Equal(["probabilities", "label"], outputs);
    }

    [Fact]
    public void Validate_RawRequestInOtherOrder_PairsRawBytesWithTheirInput()
    {
        var (inputs, _) = InferRequestValidator.Validate(RawRequest(), "m", s_inputs, s_outputs);
        Assert.Equal(40, inputs[0].Raw!.Length);
        Assert.Equal(2, inputs[1].Raw!.Length);
    }

    [Fact]
    public void Validate_RequestedOutputs_ReturnsOnlyThose()
    {
        var request = TypedRequest();
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "label" });
        Assert.Equal(["label"], InferRequestValidator.Validate(request, "m", s_inputs, s_outputs).Outputs);
    }

    [Fact]
    public void Validate_MissingInput_NamesItWithDatatypeAndShape()
    {
        var request = TypedRequest();
        request.Inputs.RemoveAt(1);
        Assert.Equal("model 'm' version 1: missing input 'mask' (BOOL [-1]).", Refusal(request));
    }

    [Fact]
    public void Validate_UnknownInput_ListsTheModelsInputs()
    {
        var request = TypedRequest();
        request.Inputs.Add(Tensor("extra", "FP32", 1));
        Assert.Equal("model 'm' version 1: unknown input 'extra'. The model takes: features (FP32 [-1, 5]), mask (BOOL [-1]).", Refusal(request));
    }

    [Fact]
    public void Validate_DuplicateInput_Refused()
    {
        var request = TypedRequest();
        request.Inputs.Add(request.Inputs[1].Clone());
        Assert.Contains("input 'mask' appears more than once", Refusal(request));
    }

    [Fact]
    public void Validate_WrongDatatype_NamesExpected()
    {
        var request = TypedRequest();
        request.Inputs[0].Datatype = "FP64";
        Assert.Equal("model 'm' version 1: input 'features' has datatype 'FP64'; the model expects FP32.", Refusal(request));
    }

    [Fact]
    public void Validate_UnknownDatatypeName_SaysItIsNotAProtocolDatatype()
    {
        var request = TypedRequest();
        request.Inputs[0].Datatype = "float32";
        Assert.Contains("('float32' is not a protocol datatype)", Refusal(request));
    }

    [Theory]
    [InlineData(new long[] { 2, 4 })]
    [InlineData(new long[] { 10 })]
    [InlineData(new long[] { 2, 5, 1 })]
    [InlineData(new long[] { -1, 5 })]
    public void Validate_ShapeNotFittingTheModel_ShowsBothShapes(long[] shape)
    {
        var request = TypedRequest();
        request.Inputs[0].Shape.Clear();
        request.Inputs[0].Shape.Add(shape);
        Assert.Equal(
            $"model 'm' version 1: input 'features' has shape {TensorSpec.FormatShape(shape)}; the model expects [-1, 5] (-1 = any size).",
            Refusal(request));
    }

    [Fact]
    public void Validate_TooFewTypedValues_SaysHowManyAreNeeded()
    {
        var request = TypedRequest();
        request.Inputs[0].Contents.Fp32Contents.RemoveAt(0);
        Assert.Equal("model 'm' version 1: input 'features' carries 9 values in fp32_contents; shape [2, 5] needs 10.", Refusal(request));
    }

    [Fact]
    public void Validate_ValuesInTheWrongContentsField_NamesTheRightField()
    {
        var request = TypedRequest();
        request.Inputs[0].Contents.Fp32Contents.Clear();
        request.Inputs[0].Contents.Fp64Contents.Add(Enumerable.Repeat(1.0, 10));
        Assert.Equal("model 'm' version 1: input 'features' is FP32, so its values go in fp32_contents; 10 values were found in other contents fields.", Refusal(request));
    }

    [Fact]
    public void Validate_RawByteLengthWrong_SaysBytesNeeded()
    {
        Assert.Equal("model 'm' version 1: input 'features' has 39 bytes of raw contents; shape [2, 5] of FP32 needs 40 bytes.", Refusal(RawRequest(featureBytes: 39)));
    }

    [Fact]
    public void Validate_RawCountDiffersFromInputs_Refused()
    {
        var request = RawRequest();
        request.RawInputContents.RemoveAt(1);
        Assert.Contains("2 inputs but 1 raw_input_contents", Refusal(request));
    }

    [Fact]
    public void Validate_RawAndTypedMixed_Refused()
    {
        var request = RawRequest();
        request.Inputs[0].Contents = new InferTensorContents();
        request.Inputs[0].Contents.BoolContents.Add([true, false]);
        Assert.Contains("sets contents while the request uses raw_input_contents", Refusal(request));
    }

    [Fact]
    public void Validate_UnknownRequestedOutput_ListsOutputs()
    {
        var request = TypedRequest();
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "logits" });
        Assert.Equal("model 'm' version 1: unknown output 'logits'. The model's outputs are: probabilities (FP32 [-1, 2]), label (INT64 [-1]).", Refusal(request));
    }

    [Fact]
    public void Validate_ZeroRows_Accepted()
    {
        var (inputs, _) = InferRequestValidator.Validate(TypedRequest(rows: 0), "m", s_inputs, s_outputs);
        Assert.Equal(0, inputs[0].ElementCount);
    }

    [Fact]
    public void Validate_HugeShape_RefusedBeforeAllocating()
    {
        var request = TypedRequest();
        request.Inputs[0].Shape.Clear();
        request.Inputs[0].Shape.Add([long.MaxValue / 2, 5]);
        Assert.Contains("over the limit", Refusal(request));
    }

    [Fact]
    public void Validate_ShapeWhoseProductWouldWrap_RefusedNamingTheInput()
    {
        // 2^31 x 2^33 wraps a 64-bit product to 0 elements, which no contents would contradict.
        var spec = new TensorSpec[] { new("grid", "FP32", [-1, -1]) };
        var request = new ModelInferRequest { ModelName = "m" };
        request.Inputs.Add(Tensor("grid", "FP32", 1L << 31, 1L << 33));
        request.Inputs[0].Contents = new InferTensorContents();

        var ex = Assert.Throws<RpcException>(() => InferRequestValidator.Validate(request, "m", spec, s_outputs));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("input 'grid' has shape [2147483648, 8589934592], over the limit", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MoreElementsThanTheReceiveLimitHoldsBytes_Refused()
    {
        var limit = InferRequestValidator.ElementLimit(maxReceiveMessageSize: 9);

        var ex = Assert.Throws<RpcException>(() => InferRequestValidator.Validate(TypedRequest(rows: 2), "m", s_inputs, s_outputs, limit));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("input 'features' has shape [2, 5], over the limit of 9 elements", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(InferRequestValidator.MaxElements, InferRequestValidator.ElementLimit(long.MaxValue));
    }
}
