using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;
using Inference;
using MlopsGateway.Gateway.Shadow;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Gateway;

public class ShadowBatchTests
{
    private static ModelInferRequest Rows(int count, float first, bool raw = false, string id = "a") =>
        WithId(TestRequests.Propensity("propensity", [.. Enumerable.Range(0, count).Select(r => new[] { first + r, 1f, 2f, 3f, 4f })], raw, "2"), id);

    private static ModelInferRequest WithId(ModelInferRequest request, string id)
    {
        request.Id = id;
        return request;
    }

    [Fact]
    public void MergeKey_CopiesDifferingInIdValuesAndRows_SameKeyAndTheirRows()
    {
        var a = ShadowBatch.MergeKey(Rows(1, 1f, id: "a"), out var rowsA);
        var b = ShadowBatch.MergeKey(Rows(3, 9f, id: "b"), out var rowsB);

        Assert.NotNull(a);
        Assert.Equal(a, b);
        Assert.Equal((1, 3), (rowsA, rowsB));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MergeKey_Request_LeftAsItWas(bool raw)
    {
        // The key is made by blanking fields of the request itself and putting them back.
        var request = Rows(2, 5f, raw, id: "copy-7");
        var before = request.Clone();

        Assert.NotNull(ShadowBatch.MergeKey(request, out _));
        Assert.Equal(before, request);
    }

    [Fact]
    public void MergeKey_OtherVersionRawContentsOrRowWidth_DifferentKeys()
    {
        var key = ShadowBatch.MergeKey(Rows(1, 1f), out _);
        var otherVersion = Rows(1, 1f);
        otherVersion.ModelVersion = "3";
        var wider = Rows(1, 1f);
        wider.Inputs[0].Shape[1] = 6;

        Assert.NotEqual(key, ShadowBatch.MergeKey(otherVersion, out _));
        Assert.NotEqual(key, ShadowBatch.MergeKey(Rows(1, 1f, raw: true), out _));
        Assert.NotEqual(key, ShadowBatch.MergeKey(wider, out _));
    }

    [Fact]
    public void MergeKey_NoFirstDimensionDisagreeingInputsOrMixedContents_Null()
    {
        var scalar = Rows(1, 1f);
        scalar.Inputs[0].Shape.Clear();
        var disagreeing = Rows(2, 1f);
        TestRequests.AddInput(disagreeing, "more", "FP32", [3], c => c.Fp32Contents.Add([1f, 2f, 3f]));
        var mixed = Rows(1, 1f, raw: true);
        TestRequests.AddInput(mixed, "typed", "FP32", [1], c => c.Fp32Contents.Add(1f));

        Assert.Null(ShadowBatch.MergeKey(scalar, out _));
        Assert.Null(ShadowBatch.MergeKey(disagreeing, out _));
        Assert.Null(ShadowBatch.MergeKey(mixed, out _));
        Assert.Null(ShadowBatch.MergeKey(new ModelInferRequest { ModelName = "propensity" }, out _));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Merge_Parts_RowsInOrderUnderTheNewId(bool raw)
    {
        var merged = ShadowBatch.Merge([Rows(1, 10f, raw, "a"), Rows(2, 20f, raw, "b")], "batch-1");
        var expected = Rows(3, 0f, raw);
        expected.Id = "batch-1";
        expected.Inputs[0].Contents?.Fp32Contents.Clear();
        expected.Inputs[0].Contents?.Fp32Contents.Add([10f, 1, 2, 3, 4, 20f, 1, 2, 3, 4, 21f, 1, 2, 3, 4]);
        if (raw)
        {
            expected.RawInputContents[0] = ByteString.CopyFrom([.. Rows(1, 10f, raw: true).RawInputContents[0].ToByteArray(), .. Rows(2, 20f, raw: true).RawInputContents[0].ToByteArray()]);
        }

        Assert.Equal(expected, merged);
    }

    [Fact]
    public void TrySplit_RawBytesOutput_EachPartItsOwnElements()
    {
        var merged = new ModelInferResponse { ModelName = "m", ModelVersion = "2" };
        var output = new ModelInferResponse.Types.InferOutputTensor { Name = "label", Datatype = "BYTES" };
        output.Shape.Add([3, 2]);
        merged.Outputs.Add(output);
        merged.RawOutputContents.Add(Strings("a", "bb", "", "dddd", "e", "ff"));

        Assert.True(ShadowBatch.TrySplit(merged, [1, 2], out var parts));

        Assert.Equal([1, 2], parts[0].Outputs[0].Shape);
        Assert.Equal(Strings("a", "bb"), parts[0].RawOutputContents[0]);
        Assert.Equal([2, 2], parts[1].Outputs[0].Shape);
        Assert.Equal(Strings("", "dddd", "e", "ff"), parts[1].RawOutputContents[0]);
        Assert.All(parts, p => Assert.Equal(("m", "2", "BYTES"), (p.ModelName, p.ModelVersion, p.Outputs[0].Datatype)));
    }

    [Fact]
    public void TrySplit_OutputNotRowByRowOrShortOfItsShape_False()
    {
        var summed = new ModelInferResponse();
        var output = new ModelInferResponse.Types.InferOutputTensor { Name = "total", Datatype = "FP32", Contents = new InferTensorContents() };
        output.Shape.Add(1);
        output.Contents.Fp32Contents.Add(5f);
        summed.Outputs.Add(output);
        var shortRaw = new ModelInferResponse();
        var rawOutput = new ModelInferResponse.Types.InferOutputTensor { Name = "y", Datatype = "FP32" };
        rawOutput.Shape.Add([3, 2]);
        shortRaw.Outputs.Add(rawOutput);
        shortRaw.RawOutputContents.Add(ByteString.CopyFrom(new byte[20]));

        Assert.False(ShadowBatch.TrySplit(summed, [1, 2], out _));
        Assert.False(ShadowBatch.TrySplit(shortRaw, [1, 2], out _));
    }

    private static ByteString Strings(params string[] values)
    {
        var bytes = new List<byte>();
        foreach (var value in values)
        {
            var length = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, Encoding.UTF8.GetByteCount(value));
            bytes.AddRange(length);
            bytes.AddRange(Encoding.UTF8.GetBytes(value));
        }
        return ByteString.CopyFrom([.. bytes]);
    }
}
