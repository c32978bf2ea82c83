using MlopsGateway.Registry.Artifacts;
using MlopsGateway.Registry.Models;
using MlopsGateway.Tests.Registry.Models;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Publishing;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Worker.Publishing;

/// <summary>A registry, an artefact store in a temporary folder, and the sample models' files to push into them.</summary>
internal sealed class PublishedModels
{
    private PublishedModels(IConnectionMultiplexer redis)
    {
        Registry = new ModelRegistry(redis);
        var root = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"));
        Files = Path.Combine(root, "files");
        Store = new ArtifactDirectory(Path.Combine(root, "store"));
        SampleModels.WritePropensity(Files);
        Publisher = new ModelPublisher(Registry, Store);
    }

    public ModelRegistry Registry { get; }

    public ArtifactDirectory Store { get; }

    public ModelPublisher Publisher { get; }

    /// <summary>The folder the sample files were written to.</summary>
    public string Files { get; }

    /// <summary>A model name no other test uses.</summary>
    public string Model { get; } = ModelRecords.NewModel();

    /// <summary>The propensity sample's file of version <paramref name="version"/> (1 or 2).</summary>
    public string Propensity(string version) => Path.Combine(Files, SampleModels.Propensity, version, ModelRepository.ModelFileName);

    public static PublishedModels Over(IConnectionMultiplexer redis) => new(redis);

    /// <summary>Pushes a propensity sample file as a version of <see cref="Model"/>.</summary>
    public Task<ModelPushResult> PushAsync(string sampleVersion, string? version = null) =>
        Publisher.PushAsync(Propensity(sampleVersion), new ModelPushRequest(Model, "alice", version, "propensity sample"));
}
