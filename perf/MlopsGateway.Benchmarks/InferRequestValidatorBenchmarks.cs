using BenchmarkDotNet.Attributes;
using Inference;
using MlopsGateway.Worker.Serving;

namespace MlopsGateway.Benchmarks;

/// <summary>The worker checks every request against the model before it runs.</summary>
public class InferRequestValidatorBenchmarks
{
    private ModelInferRequest _propensityTyped = new();
    private ModelInferRequest _propensityRaw = new();
    private ModelInferRequest _resnet = new();

    [GlobalSetup]
    public void Setup()
    {
        _propensityTyped = Requests.Propensity(1, raw: false);
        _propensityRaw = Requests.Propensity(1, raw: true);
        _resnet = Requests.ResNet();
    }

    [Benchmark(Baseline = true)]
    public object PropensityTyped() => InferRequestValidator.Validate(_propensityTyped, "propensity", Requests.PropensityInputs, Requests.PropensityOutputs);

    [Benchmark]
    public object PropensityRaw() => InferRequestValidator.Validate(_propensityRaw, "propensity", Requests.PropensityInputs, Requests.PropensityOutputs);

    [Benchmark]
    public object ResNetRaw() => InferRequestValidator.Validate(_resnet, "resnet18", Requests.ResNetInputs, Requests.ResNetOutputs);
}
