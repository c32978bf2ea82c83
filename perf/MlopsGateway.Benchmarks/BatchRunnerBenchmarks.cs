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
    private string _repositoryPath = "";
    private ModelRepository _repository = null!;
    private ModelVersion _model = null!;
    private InferItem[] _items = [];

    [Params(1, 16, 64)]
    public int Requests { get; set; }

    [Params(false, true)]
    public bool Raw { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _repositoryPath = Path.Combine(Path.GetTempPath(), "mlops-bench", Guid.NewGuid().ToString("N"));
        SampleModels.WritePropensity(_repositoryPath);
        _repository = new ModelRepository(_repositoryPath);
        _repository.Load();
        _repository.TryResolve(SampleModels.Propensity, "1", out var model);
        _model = model!;
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
        _repository.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_repositoryPath, recursive: true);
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
