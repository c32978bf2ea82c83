using Inference;
using MlopsGateway.Contracts.Tensors;
using MlopsGateway.LoadTest;
using MlopsGateway.Worker.Tensors;

namespace MlopsGateway.Benchmarks;

/// <summary>The requests the benchmarks share: propensity rows (small) and a ResNet18 image (600 KB raw).</summary>
internal static class Requests
{
    /// <summary>The propensity model's input.</summary>
    public static readonly TensorSpec[] PropensityInputs = [new("features", TensorDatatype.Fp32, [-1, 5])];

    /// <summary>The propensity model's outputs.</summary>
    public static readonly TensorSpec[] PropensityOutputs = [new("probabilities", TensorDatatype.Fp32, [-1, 2]), new("label", TensorDatatype.Int64, [-1])];

    /// <summary>ResNet18's input after its batch dimension was made dynamic.</summary>
    public static readonly TensorSpec[] ResNetInputs = [new("Input247", TensorDatatype.Fp32, [-1, 3, 224, 224])];

    /// <summary>ResNet18's output.</summary>
    public static readonly TensorSpec[] ResNetOutputs = [new("Pooling395_Output_0", TensorDatatype.Fp32, [-1, 512, 1, 1])];

    /// <summary>A propensity request of <paramref name="rows"/> rows, typed or raw.</summary>
    public static ModelInferRequest Propensity(int rows, bool raw) => Make("propensity", PropensityInputs[0], rows, raw);

    /// <summary>One ResNet18 image, raw.</summary>
    public static ModelInferRequest ResNet() => Make("resnet18", ResNetInputs[0], 1, raw: true);

    /// <summary>The request as the gateway receives it: one gRPC frame.</summary>
    public static byte[] Frame(ModelInferRequest request) => OipLoadClient.GrpcFrame(request);

    // The load tool's generator: seeded random values, shaped as the server would describe the model.
    private static ModelInferRequest Make(string model, TensorSpec input, int rows, bool raw)
    {
        var metadata = new ModelMetadataResponse { Name = model };
        metadata.Inputs.Add(new ModelMetadataResponse.Types.TensorMetadata { Name = input.Name, Datatype = input.Datatype, Shape = { input.Shape } });
        return InputGenerator.Generate(metadata, "1", rows, new Dictionary<string, long[]>(), count: 1, seed: 1, raw)[0];
    }
}
