using MlopsGateway.Worker.Models;

namespace MlopsGateway.Benchmarks;

/// <summary>The sample <c>propensity</c> model written to a temporary repository and loaded, for benchmarks of the worker's paths.</summary>
internal sealed class PropensityRepository : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "mlops-bench", Guid.NewGuid().ToString("N"));
    private readonly ModelRepository _repository;

    public PropensityRepository()
    {
        SampleModels.WritePropensity(_path);
        _repository = new ModelRepository(_path);
        _repository.Load();
        _repository.TryResolve(SampleModels.Propensity, "1", out var model);
        Model = model!;
    }

    /// <summary>Version 1, loaded.</summary>
    public ModelVersion Model { get; }

    public void Dispose()
    {
        _repository.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_path, recursive: true);
    }
}
