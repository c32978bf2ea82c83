using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Inference;
using MlopsGateway.Contracts.Tensors;
using MlopsGateway.Worker.Serving;
using MlopsGateway.Worker.Tensors;

namespace MlopsGateway.Benchmarks;

/// <summary>Request tensors into ONNX Runtime (decode) and results back into the response (encode).</summary>
public class TensorConverterBenchmarks
{
    private ValidatedInput _propensityTyped = null!;
    private ValidatedInput _propensityRaw = null!;
    private ValidatedInput _resnetRaw = null!;
    private float[] _probabilities = [];
    private float[] _features = [];

    [Params(1, 64)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _propensityTyped = Validate(Requests.Propensity(Rows, raw: false), Requests.PropensityInputs, Requests.PropensityOutputs);
        _propensityRaw = Validate(Requests.Propensity(Rows, raw: true), Requests.PropensityInputs, Requests.PropensityOutputs);
        _resnetRaw = Validate(Requests.ResNet(), Requests.ResNetInputs, Requests.ResNetOutputs);
        // What ONNX Runtime hands back: a batch's output as a flat buffer.
        _probabilities = new float[Rows * 2];
        _features = new float[512 * Rows];
    }

    [Benchmark]
    public void DecodePropensityTyped()
    {
        using var value = TensorConverter.ToOrtValue(_propensityTyped);
    }

    [Benchmark]
    public void DecodePropensityRaw()
    {
        using var value = TensorConverter.ToOrtValue(_propensityRaw);
    }

    [Benchmark]
    public void DecodeResNetImageRaw()
    {
        using var value = TensorConverter.ToOrtValue(_resnetRaw);
    }

    [Benchmark]
    public ModelInferResponse EncodeProbabilitiesTyped()
    {
        var response = new ModelInferResponse();
        TensorConverter.AddOutput(response, "probabilities", TensorDatatype.Fp32, [Rows, 2], MemoryMarshal.AsBytes(_probabilities.AsSpan()), raw: false);
        return response;
    }

    [Benchmark]
    public ModelInferResponse EncodeProbabilitiesRaw()
    {
        var response = new ModelInferResponse();
        TensorConverter.AddOutput(response, "probabilities", TensorDatatype.Fp32, [Rows, 2], MemoryMarshal.AsBytes(_probabilities.AsSpan()), raw: true);
        return response;
    }

    [Benchmark]
    public ModelInferResponse EncodeResNetFeaturesRaw()
    {
        var response = new ModelInferResponse();
        TensorConverter.AddOutput(response, "Pooling395_Output_0", TensorDatatype.Fp32, [Rows, 512, 1, 1], MemoryMarshal.AsBytes(_features.AsSpan()), raw: true);
        return response;
    }

    private static ValidatedInput Validate(ModelInferRequest request, TensorSpec[] inputs, TensorSpec[] outputs) =>
        InferRequestValidator.Validate(request, request.ModelName, inputs, outputs).Inputs[0];
}
