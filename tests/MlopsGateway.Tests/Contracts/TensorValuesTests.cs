using System.Globalization;
using Google.Protobuf;
using Inference;
using MlopsGateway.Contracts.Tensors;
using static MlopsGateway.Tests.Contracts.TensorContentsTests;

namespace MlopsGateway.Tests.Contracts;

public class TensorValuesTests
{
    [Fact]
    public void Format_64BitIntegers_EveryDigit()
    {
        Assert.Equal(["9007199254740993", "-9223372036854775808", "9223372036854775807"],
            TensorValues.Format("INT64", Contents(c => c.Int64Contents.Add([9007199254740993L, long.MinValue, long.MaxValue]))));
        Assert.Equal(["18446744073709551615", "9007199254740993"],
            TensorValues.Format("UINT64", Contents(c => c.Uint64Contents.Add([ulong.MaxValue, 9007199254740993ul]))));
    }

    [Fact]
    public void Format_Floats_ShortestTextThatReadsBack()
    {
        Assert.Equal(["0.1", "-2.5", "3.4028235E+38", "NaN", "-Infinity"],
            TensorValues.Format("FP32", Contents(c => c.Fp32Contents.Add([0.1f, -2.5f, float.MaxValue, float.NaN, float.NegativeInfinity]))));
        Assert.Equal(["0.1", "0.30000000000000004"], TensorValues.Format("FP64", Contents(c => c.Fp64Contents.Add([0.1, 0.1 + 0.2]))));

        var random = new Random(5);
        var floats = Enumerable.Range(0, 200).Select(_ => BitConverter.Int32BitsToSingle(random.Next())).Where(float.IsFinite).ToArray();
        var text = TensorValues.Format("FP32", Contents(c => c.Fp32Contents.Add(floats)));
        Assert.Equal(floats, text.Select(t => float.Parse(t, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Format_HalfFloats_ReadBackToTheSameBits()
    {
        var fp16 = new TensorWriter("FP16", 2);
        fp16.Set(0, 0.1);
        fp16.Set(1, -65504.0);
        Assert.Equal(["0.1", "-65500"], TensorValues.Format("FP16", fp16.ToRaw().Span));

        var bf16 = new TensorWriter("BF16", 2);
        bf16.Set(0, 1.0);
        bf16.Set(1, 3.0e38);
        var text = TensorValues.Format("BF16", bf16.ToRaw().Span);
        Assert.Equal("1", text[0]);
        var again = new TensorWriter("BF16", 2);
        again.Set(0, double.Parse(text[0], CultureInfo.InvariantCulture));
        again.Set(1, double.Parse(text[1], CultureInfo.InvariantCulture));
        Assert.Equal(bf16.ToRaw(), again.ToRaw());
    }

    [Fact]
    public void Format_BoolsAndNarrowIntegers()
    {
        Assert.Equal(["true", "false"], TensorValues.Format("BOOL", new byte[] { 1, 0 }));
        Assert.Equal(["-128", "127"], TensorValues.Format("INT8", new byte[] { 0x80, 0x7F }));
        Assert.Equal(["65535"], TensorValues.Format("UINT16", new byte[] { 0xFF, 0xFF }));
    }

    [Fact]
    public void ToDoubles_TypedAndRawAgree()
    {
        var contents = Contents(c => c.IntContents.Add([-5, 7, 300]));
        var raw = TensorContents.ToRaw("INT16", contents);
        Assert.Equal([-5.0, 7, 300], TensorValues.ToDoubles("INT16", contents));
        Assert.Equal([-5.0, 7, 300], TensorValues.ToDoubles("INT16", raw));
        Assert.Equal([1.0, 0], TensorValues.ToDoubles("BOOL", Contents(c => c.BoolContents.Add([true, false]))));
    }

    [Fact]
    public void ReadOutput_TypedOrRawResponse_SameValues()
    {
        var typed = new ModelInferResponse();
        typed.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor
        {
            Name = "y", Datatype = "UINT64", Contents = Contents(c => c.Uint64Contents.Add([9007199254740993ul, 1ul])),
        });
        var raw = new ModelInferResponse();
        raw.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "y", Datatype = "UINT64" });
        raw.RawOutputContents.Add(ByteString.CopyFrom(TensorContents.ToRaw("UINT64", typed.Outputs[0].Contents)));

        Assert.Equal(["9007199254740993", "1"], TensorValues.FormatOutput(typed, 0));
        Assert.Equal(["9007199254740993", "1"], TensorValues.FormatOutput(raw, 0));
        Assert.Equal(TensorValues.ReadOutput(typed, 0), TensorValues.ReadOutput(raw, 0));
    }

    [Fact]
    public void ReadOutput_Bytes_NoValues()
    {
        var response = new ModelInferResponse();
        response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "s", Datatype = "BYTES" });
        response.RawOutputContents.Add(ByteString.CopyFrom(1, 0, 0, 0, 65));
        Assert.Empty(TensorValues.ReadOutput(response, 0));
        Assert.Empty(TensorValues.FormatOutput(response, 0));
    }
}
