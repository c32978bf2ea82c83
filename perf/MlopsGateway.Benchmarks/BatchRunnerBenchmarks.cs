using BenchmarkDotNet.Attributes;
using Inference;
using MlopsGateway.Worker.Batching;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Serving;

namespace MlopsGateway.Benchmarks;

/// <summary>
/// The worker's batch path on the real propensity model: N single-row requests assembled into one
/// pooled tensor, one ONNX Runtime run, outputs split back per request; against the same requests
/// run one by one. Allocated bytes divided by <see cref="Requests"/> give the allocations per request.
/// </summary>
public class BatchRunnerBenchmarks
{
    private PropensityRepository _repository = null!;
    private ModelVersion _model = null!;
    private InferItem[] _items = [];

    [Params(1, 16, 64)]
    public int Requests { get; set; }

    [Params(false, true)]
    public bool Raw { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _repository = new PropensityRepository();
        _model = _repository.Model;
        _items = new InferItem[Requests];
        for (var i = 0; i < Requests; i++)
        {
            var request = MlopsGateway.Benchmarks.Requests.Propensity(1, Raw);
            var (inputs, outputs) = InferRequestValidator.Validate(request, _model.Label, _model.Inputs, _model.Outputs);
            _items[i] = new InferItem(inputs, outputs, Raw, "", 1, 0);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _repository.Dispose();
    }

    /// <summary>One merged run for every request (what the batcher does under load).</summary>
    [Benchmark(Baseline = true)]
    public ModelInferResponse[] Batched() => BatchRunner.Run(_model, _items);

    /// <summary>One run per request (what batching off does).</summary>
    [Benchmark]
    public int OneByOne()
    {
        var answered = 0;
        foreach (var item in _items)
        {
            answered += BatchRunner.Run(_model, [item]).Length;
        }
        return answered;
    }
}
