using System.Buffers.Binary;
using Google.Protobuf;
using Inference;
using MlopsGateway.Worker;

namespace MlopsGateway.Benchmarks;

/// <summary>The requests the benchmarks share: propensity rows (small) and a ResNet18 image (600 KB raw).</summary>
public static class Requests
{
    /// <summary>The propensity model's input.</summary>
    public static readonly TensorSpec[] PropensityInputs = [new("features", TensorDataType.Fp32, [-1, 5])];

    /// <summary>The propensity model's outputs.</summary>
    public static readonly TensorSpec[] PropensityOutputs = [new("probabilities", TensorDataType.Fp32, [-1, 2]), new("label", TensorDataType.Int64, [-1])];

    /// <summary>ResNet18's input after its batch dimension was made dynamic.</summary>
    public static readonly TensorSpec[] ResNetInputs = [new("Input247", TensorDataType.Fp32, [-1, 3, 224, 224])];

    /// <summary>ResNet18's output.</summary>
    public static readonly TensorSpec[] ResNetOutputs = [new("Pooling395_Output_0", TensorDataType.Fp32, [-1, 512, 1, 1])];

    /// <summary>A propensity request of <paramref name="rows"/> rows, typed or raw.</summary>
    public static ModelInferRequest Propensity(int rows, bool raw) => Make("propensity", "features", [rows, 5], raw);

    /// <summary>One ResNet18 image, raw.</summary>
    public static ModelInferRequest ResNet() => Make("resnet18", "Input247", [1, 3, 224, 224], raw: true);

    /// <summary>The request as the gateway receives it: one gRPC frame.</summary>
    public static byte[] Frame(ModelInferRequest request)
    {
        var message = request.ToByteArray();
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }

    private static ModelInferRequest Make(string model, string input, long[] shape, bool raw)
    {
        var random = new Random(1);
        var values = new float[shape.Aggregate(1L, (a, d) => a * d)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = random.NextSingle();
        }
        var request = new ModelInferRequest { ModelName = model, ModelVersion = "1" };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = input, Datatype = TensorDataType.Fp32 };
        tensor.Shape.Add(shape);
        if (raw)
        {
            var bytes = new byte[values.Length * 4];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            request.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(bytes));
        }
        else
        {
            tensor.Contents = new InferTensorContents();
            tensor.Contents.Fp32Contents.Add(values);
        }
        request.Inputs.Add(tensor);
        return request;
    }
}
