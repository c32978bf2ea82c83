using MlopsGateway.Worker.Models;

namespace MlopsGateway.Tests.Worker.Models;

/// <summary>
/// How a model folder's <c>config.json</c> and a version folder's are merged: field by field through
/// nested objects, lists replaced whole, nulls back to the default, and bad files refused by name.
/// </summary>
public sealed class ModelConfigLayersTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"));

    public ModelConfigLayersTests() => Directory.CreateDirectory(Path.Combine(_root, "1"));

    private string ModelFile => Path.Combine(_root, ModelConfig.FileName);

    private string VersionFile => Path.Combine(_root, "1", ModelConfig.FileName);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private ModelConfig Load(string? model, string? version)
    {
        if (model is not null)
        {
            File.WriteAllText(ModelFile, model);
        }
        if (version is not null)
        {
            File.WriteAllText(VersionFile, version);
        }
        return ModelConfig.Load(ModelFile, VersionFile);
    }

    [Fact]
    public void Load_NestedObjectInBothLayers_MergedFieldByField()
    {
        var config = Load(
            """{ "cuda": { "device_id": 1, "cudnn_conv_algo_search": "HEURISTIC" }, "execution_provider": "cuda" }""",
            """{ "cuda": { "device_id": 2 } }""");

        Assert.Equal(2, config.Cuda.DeviceId);
        Assert.Equal("HEURISTIC", config.Cuda.CudnnConvAlgoSearch);
        Assert.Equal("cuda", config.ExecutionProvider);
    }

    [Fact]
    public void Load_NestedObjectInModelLayerOnly_KeptWithItsDefaults()
    {
        var config = Load("""{ "cuda": { "device_id": 3 } }""", """{ "instances": 2 }""");

        Assert.Equal(3, config.Cuda.DeviceId);
        Assert.Equal("EXHAUSTIVE", config.Cuda.CudnnConvAlgoSearch);
        Assert.Equal(2, config.Instances);
    }

    [Fact]
    public void Load_ShorterListInVersionLayer_ReplacesTheListWhole()
    {
        var config = Load(
            """{ "labels": ["a", "b", "c"], "max_batch_size": 16, "preferred_batch_sizes": [4, 8, 16] }""",
            """{ "labels": ["x"], "preferred_batch_sizes": [2] }""");

        Assert.Equal(["x"], config.Labels);
        Assert.Equal([2], config.PreferredBatchSizes);
        Assert.Equal(16, config.MaxBatchSize);
    }

    [Fact]
    public void Load_ListInsideNestedObject_ReplacedWhole()
    {
        File.WriteAllText(ModelFile, """{ "version_policy": { "specific": ["1", "2", "3"] } }""");
        File.WriteAllText(VersionFile, """{ "version_policy": { "specific": ["2"] } }""");

        var config = ModelConfig.Load(ModelFile, VersionFile);

        Assert.Equal(["2"], config.VersionPolicy!.Specific);
    }

    [Fact]
    public void Load_NullInVersionLayer_BackToTheDefault()
    {
        var config = Load(
            """{ "description": "model-wide", "max_batch_size": 4, "cuda": { "device_id": 1 } }""",
            """{ "description": null, "max_batch_size": null, "cuda": null }""");

        Assert.Null(config.Description);
        Assert.Null(config.MaxBatchSize);
        Assert.Equal(0, config.Cuda.DeviceId);
        Assert.Equal("EXHAUSTIVE", config.Cuda.CudnnConvAlgoSearch);
    }

    [Fact]
    public void Load_NoFiles_EveryDefault()
    {
        var config = ModelConfig.Load(ModelFile, VersionFile);

        Assert.True(config.AllowSpinning);
        Assert.Equal(1024, config.MaxQueueSize);
        Assert.Equal(1, config.Instances);
        Assert.Equal("auto", config.ExecutionProvider);
        Assert.Null(config.MaxBatchSize);
        Assert.Null(config.Labels);
        Assert.Null(config.VersionPolicy);
    }

    [Fact]
    public void Load_CommentsTrailingCommasAndUnknownFields_Accepted()
    {
        var config = Load(
            """
            {
              // written by a newer tool
              "future_field": { "nested": [1, 2] },
              "max_queue_delay_us": 500,
            }
            """,
            """{ "allow_spinning": false, "also_new": true, }""");

        Assert.Equal(500, config.MaxQueueDelayMicroseconds);
        Assert.False(config.AllowSpinning);
    }

    [Fact]
    public void Load_EmptyListInVersionLayer_ClearsTheModelLayersList()
    {
        var config = Load("""{ "labels": ["a"], "preferred_batch_sizes": [2] }""", """{ "labels": [], "preferred_batch_sizes": [] }""");
        Assert.Null(config.Labels);
        Assert.Null(config.PreferredBatchSizes);
    }

    [Fact]
    public void Load_EmptySpecificVersions_RefusedNamingTheFile()
    {
        File.WriteAllText(ModelFile, """{ "version_policy": { "specific": [] } }""");
        var ex = Assert.Throws<InvalidDataException>(() => ModelConfig.Load(ModelFile));
        Assert.Equal($"{ModelFile}: version_policy.specific must name at least one version.", ex.Message);
    }

    [Fact]
    public void Load_BadJsonInModelLayer_NamesThatFile()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Load("{ \"max_batch_size\": 4,, }", """{ "instances": 2 }"""));

        Assert.StartsWith($"{ModelFile} is not valid JSON:", ex.Message);
    }

    [Fact]
    public void Load_NotAnObject_NamesThatFile()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Load("""{ "instances": 2 }""", "[1, 2]"));

        Assert.Equal($"{VersionFile} must hold a JSON object.", ex.Message);
    }

    [Theory]
    [InlineData("""{ "max_batch_size": "8" }""", "max_batch_size")]
    [InlineData("""{ "cuda": 5 }""", "cuda")]
    [InlineData("""{ "labels": "purchase" }""", "labels")]
    [InlineData("""{ "allow_spinning": 1 }""", "allow_spinning")]
    public void Load_ValueOfTheWrongTypeInModelLayer_RefusedNamingFileAndField(string model, string field)
    {
        var ex = Assert.Throws<InvalidDataException>(() => Load(model, """{ "instances": 2 }"""));

        Assert.StartsWith($"{ModelFile}: ", ex.Message);
        Assert.Contains(field, ex.Message);
    }

    [Fact]
    public void Load_LayersValidOnlyApart_MergedResultValidated()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Load(
            """{ "max_batch_size": 16, "preferred_batch_sizes": [8, 16] }""",
            """{ "max_batch_size": 4 }"""));

        Assert.StartsWith($"{VersionFile}: preferred_batch_sizes must be between 1 and max_batch_size: [8, 16].", ex.Message);
    }

    [Fact]
    public void Save_ThenLoad_SameValues()
    {
        new ModelConfig
        {
            Description = "saved",
            Labels = ["no", "yes"],
            MaxBatchSize = 8,
            PreferredBatchSizes = [4, 8],
            Cuda = new CudaConfig { DeviceId = 1, CudnnConvAlgoSearch = "DEFAULT" },
            VersionPolicy = new VersionPolicy { Latest = 2 },
        }.Save(ModelFile);

        var config = ModelConfig.Load(ModelFile, VersionFile);

        Assert.Equal("saved", config.Description);
        Assert.Equal(["no", "yes"], config.Labels);
        Assert.Equal(8, config.MaxBatchSize);
        Assert.Equal([4, 8], config.PreferredBatchSizes);
        Assert.Equal(1, config.Cuda.DeviceId);
        Assert.Equal("DEFAULT", config.Cuda.CudnnConvAlgoSearch);
        Assert.Equal(2, config.VersionPolicy!.Latest);
    }
}
