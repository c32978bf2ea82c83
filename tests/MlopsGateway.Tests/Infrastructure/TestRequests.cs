using System.Buffers.Binary;
using Google.Protobuf;
using Inference;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>Requests the functional tests send.</summary>
public static class TestRequests
{
    /// <summary>A propensity-shaped ModelInfer (features FP32 [rows, 5]) for <paramref name="model"/>.</summary>
    public static ModelInferRequest Propensity(string model, IReadOnlyList<float[]> rows, bool raw = false, string version = "")
    {
        var request = new ModelInferRequest { ModelName = model, ModelVersion = version, Id = "req-42" };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "features", Datatype = "FP32" };
        input.Shape.Add([rows.Count, 5]);
        var values = rows.SelectMany(r => r).ToArray();
        if (raw)
        {
            var bytes = new byte[values.Length * 4];
            for (var i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
            }
            request.RawInputContents.Add(ByteString.CopyFrom(bytes));
        }
        else
        {
            input.Contents = new InferTensorContents();
            input.Contents.Fp32Contents.Add(values);
        }
        request.Inputs.Add(input);
        return request;
    }

    /// <summary>Adds a typed input tensor to <paramref name="request"/>, its values written by <paramref name="fill"/>.</summary>
    public static void AddInput(ModelInferRequest request, string name, string datatype, long[] shape, Action<InferTensorContents> fill)
    {
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = datatype, Contents = new InferTensorContents() };
        tensor.Shape.Add(shape);
        fill(tensor.Contents);
        request.Inputs.Add(tensor);
    }

    /// <summary>One row of propensity features.</summary>
    public static float[] Row { get; } = [3f, 12.5f, 2f, 14f, 4f];
}
