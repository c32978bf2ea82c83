using Microsoft.Extensions.Logging;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Tensors;

namespace MlopsGateway.Tests.Worker.Models;

public sealed class ModelRepositoryTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Load_SampleModels_DescribesInputsAndOutputs()
    {
        SampleModels.WritePropensity(_root);
        await using var repository = new ModelRepository(_root);
        repository.Load();

        Assert.True(repository.TryResolve("propensity", "1", out var model));
        Assert.Equal([new TensorSpec("features", "FP32", [-1, 5])], model!.Inputs, new SpecComparer());
        Assert.Equal(["probabilities", "label"], model.Outputs.Select(o => o.Name));
        Assert.Equal("INT64", model.Outputs[1].Datatype);
        Assert.Equal(["no_purchase", "purchase"], model.Config.Labels);
    }

    [Fact]
    public async Task TryResolve_NoVersion_TakesHighestNumber()
    {
        foreach (var version in new[] { "2", "10", "9" })
        {
            TestModels.WriteDtypes(_root, version);
        }
        await using var repository = new ModelRepository(_root);
        repository.Load();

        Assert.True(repository.TryResolve("dtypes", "", out var latest));
        Assert.Equal("10", latest!.Version);
        Assert.Equal(["2", "9", "10"], repository.VersionsOf("dtypes").Select(v => v.Version));
    }

    [Fact]
    public async Task TryResolve_UnknownModelOrVersion_False()
    {
        TestModels.WriteDtypes(_root);
        await using var repository = new ModelRepository(_root);
        repository.Load();

        Assert.False(repository.TryResolve("nope", "", out _));
        Assert.False(repository.TryResolve("dtypes", "2", out _));
    }

    [Fact]
    public async Task Load_CorruptModelBesideGoodOne_ServesTheGoodOneOnly()
    {
        TestModels.WriteDtypes(_root);
        var broken = Path.Combine(_root, "broken", "1");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, ModelRepository.ModelFileName), "this is not an onnx file");
        var logs = new LogCollector();
        using var factory = LoggerFactory.Create(logs.Configure);
        await using var repository = new ModelRepository(_root, factory.CreateLogger<ModelRepository>());

        repository.Load();

        Assert.Equal(["dtypes"], repository.ModelNames);
        var refusal = Assert.Single(logs.Entries, e => e.Event.Name == "ModelRefused");
        Assert.Contains("broken", refusal.Message);
    }

    [Fact]
    public async Task Load_InvalidConfigJson_RefusesThatVersion()
    {
        TestModels.WriteDtypes(_root, "1");
        TestModels.WriteDtypes(_root, "2");
        File.WriteAllText(Path.Combine(_root, "dtypes", "2", ModelConfig.FileName), "{ not json");
        await using var repository = new ModelRepository(_root);
        repository.Load();

        Assert.Equal(["1"], repository.VersionsOf("dtypes").Select(v => v.Version));
    }

    [Fact]
    public async Task Load_AutoProviderWithoutCuda_FallsBackToCpuWithOneWarning()
    {
        // These machines (and CI) have no CUDA libraries; on a GPU machine 'auto' picks CUDA instead.
        SampleModels.WritePropensity(_root);
        TestModels.WriteDtypes(_root);
        var logs = new LogCollector();
        using var factory = LoggerFactory.Create(logs.Configure);
        await using var repository = new ModelRepository(_root, factory.CreateLogger<ModelRepository>());

        repository.Load();

        Assert.Equal(3, repository.All.Count);
        Assert.All(repository.All, v => Assert.Equal("CPUExecutionProvider", v.ExecutionProvider));
        var warning = Assert.Single(logs.Entries, e => e.Event.Name == "CudaUnavailable");
        Assert.Contains("run on CPU", warning.Message);
        Assert.Contains("Reason:", warning.Message);
        // The loader's own error, not ONNX Runtime's source location.
        Assert.DoesNotContain("onnxruntime_src", warning.Message);
    }

    [Fact]
    public async Task Load_CudaRequiredWithoutCuda_RefusesWithTheReason()
    {
        TestModels.WriteDtypes(_root);
        File.WriteAllText(Path.Combine(_root, "dtypes", "1", ModelConfig.FileName), """{ "execution_provider": "cuda" }""");
        await using var repository = new ModelRepository(_root);

        repository.Load();

        Assert.Empty(repository.All);
        var state = Assert.Single(repository.Index());
        Assert.Equal(ModelState.Unavailable, state.State);
        Assert.Contains("cuda", state.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Load_FixedBatchDimension_BatchingOffUnlessRewritten()
    {
        new OnnxModelBuilder("fixed")
            .Input("x", Onnx.TensorProto.Types.DataType.Float, 1, 3)
            .Node("Relu", ["x"], ["y"])
            .Output("y", Onnx.TensorProto.Types.DataType.Float, 1, 3)
            .Save(Path.Combine(_root, "fixed", "1", ModelRepository.ModelFileName));
        new OnnxModelBuilder("fixed")
            .Input("x", Onnx.TensorProto.Types.DataType.Float, 1, 3)
            .Node("Relu", ["x"], ["y"])
            .Output("y", Onnx.TensorProto.Types.DataType.Float, 1, 3)
            .Save(Path.Combine(_root, "fixed", "2", ModelRepository.ModelFileName));
        File.WriteAllText(Path.Combine(_root, "fixed", "2", ModelConfig.FileName), """{ "dynamic_batch_dim": true, "max_batch_size": 16 }""");
        await using var repository = new ModelRepository(_root);

        repository.Load();

        Assert.True(repository.TryResolve("fixed", "1", out var asIs));
        Assert.False(asIs!.Batching.Enabled);
        Assert.Equal([1L, 3L], asIs.Inputs[0].Shape);
        Assert.True(repository.TryResolve("fixed", "2", out var rewritten));
        Assert.True(rewritten!.Batching.Enabled);
        Assert.Equal(16, rewritten.Batching.MaxBatchSize);
        Assert.Equal([-1L, 3L], rewritten.Inputs[0].Shape);
    }

    [Theory]
    [InlineData("""{ "max_batch_size": -1 }""", "max_batch_size must be 0")]
    [InlineData("""{ "instances": 0, "execution_provider": "tpu" }""", "instances must be at least 1")]
    [InlineData("""{ "instances": 0, "execution_provider": "tpu" }""", "execution_provider must be auto, cuda or cpu, not 'tpu'")]
    [InlineData("""{ "version_policy": { "latest": 1, "all": true } }""", "exactly one of latest, all, specific")]
    [InlineData("""{ "sha256": "abc" }""", "sha256 must be 64 hex digits")]
    [InlineData("""{ "max_batch_size": "many" }""", "max_batch_size")]
    public void ModelConfigLoad_InvalidValues_ListsEveryProblem(string json, string expected)
    {
        Directory.CreateDirectory(_root);
        var path = Path.Combine(_root, ModelConfig.FileName);
        File.WriteAllText(path, json);
        var ex = Assert.Throws<InvalidDataException>(() => ModelConfig.Load(path));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void ModelConfigLoad_VersionFileOverridesModelFile_FieldByField()
    {
        Directory.CreateDirectory(Path.Combine(_root, "1"));
        File.WriteAllText(Path.Combine(_root, ModelConfig.FileName), """{ "max_batch_size": 8, "description": "model-wide" }""");
        File.WriteAllText(Path.Combine(_root, "1", ModelConfig.FileName), """{ "max_batch_size": 4 }""");

        var config = ModelConfig.Load(Path.Combine(_root, ModelConfig.FileName), Path.Combine(_root, "1", ModelConfig.FileName));

        Assert.Equal(4, config.MaxBatchSize);
        Assert.Equal("model-wide", config.Description);
    }

    [Fact]
    public void Load_MissingFolder_ThrowsNamingIt()
    {
        var repository = new ModelRepository(_root);
        var ex = Assert.Throws<DirectoryNotFoundException>(repository.Load);
        Assert.Contains(_root, ex.Message);
    }

    [Fact]
    public void WriteIfEmpty_FolderWithAModel_WritesNothing()
    {
        TestModels.WriteDtypes(_root);
        Assert.False(SampleModels.WriteIfEmpty(_root));
        Assert.False(Directory.Exists(Path.Combine(_root, SampleModels.Propensity)));
        Assert.True(SampleModels.WriteIfEmpty(Path.Combine(_root, "empty")));
    }

    private sealed class SpecComparer : IEqualityComparer<TensorSpec>
    {
        public bool Equals(TensorSpec? x, TensorSpec? y) =>
            x!.Name == y!.Name && x.Datatype == y.Datatype && x.Shape.SequenceEqual(y.Shape);

        public int GetHashCode(TensorSpec obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
    }
}
