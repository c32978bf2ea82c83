using Microsoft.Extensions.Logging;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker;

namespace MlopsGateway.Tests.Worker;

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
