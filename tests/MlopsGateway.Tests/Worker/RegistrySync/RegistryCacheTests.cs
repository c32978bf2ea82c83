using System.Security.Cryptography;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.RegistrySync;

namespace MlopsGateway.Tests.Worker.RegistrySync;

public sealed class RegistryCacheTests : IDisposable
{
    private readonly string _store = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"));
    private readonly string _cache = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"));
    private readonly LogCollector _logs = new();

    public RegistryCacheTests()
    {
        SampleModels.WritePropensity(_store);
        TestModels.WriteDtypes(_store);
    }

    public void Dispose()
    {
        foreach (var folder in new[] { _store, _cache })
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Fact]
    public async Task SyncAsync_MismatchedArtefact_RefusedWhileTheOthersLoad()
    {
        var source = new FolderSource(_store);
        source.Add("propensity", "1");
        source.Add("propensity", "2", sha256: new string('0', 64));
        source.Add("dtypes", "1");
        var cache = new RegistryCache(source, _cache, null, _logs.CreateLogger("test"));
        await using var repository = new ModelRepository(_cache);

        var pass = await cache.SyncAsync(null);
        repository.Load();

        Assert.Equal([("dtypes", "1"), ("propensity", "1")], pass.Fetched);
        var refused = Assert.Single(pass.Refused);
        Assert.Equal(("propensity", "2"), (refused.Model, refused.Version));
        Assert.Contains(new string('0', 64), refused.Reason, StringComparison.Ordinal);
        Assert.Equal(["dtypes 1", "propensity 1"], repository.All.Select(v => $"{v.Name} {v.Version}"));
        Assert.False(File.Exists(Path.Combine(_cache, "propensity", "2", ModelRepository.ModelFileName)));
        Assert.Single(_logs.Entries, e => e.Event.Name == "RegistryVersionRefused");

        // A second pass refuses it again without logging it again.
        pass = await cache.SyncAsync(repository);
        Assert.Single(pass.Refused);
        Assert.Empty(pass.Fetched);
        Assert.Single(_logs.Entries, e => e.Event.Name == "RegistryVersionRefused");
    }

    [Fact]
    public async Task SyncAsync_VersionRetired_UnloadedAndRemovedWhileTheOtherServes()
    {
        var source = new FolderSource(_store);
        source.Add("propensity", "1");
        source.Add("propensity", "2");
        var cache = new RegistryCache(source, _cache, null, _logs.CreateLogger("test"));
        await using var repository = new ModelRepository(_cache);
        await cache.SyncAsync(null);
        repository.Load();
        Assert.Equal(["1", "2"], repository.VersionsOf("propensity").Select(v => v.Version));

        source.Retire("propensity", "1");
        var pass = await cache.SyncAsync(repository);

        Assert.Equal([("propensity", "1")], pass.Removed);
        Assert.Equal(["2"], repository.VersionsOf("propensity").Select(v => v.Version));
        Assert.False(Directory.Exists(Path.Combine(_cache, "propensity", "1")));

        source.Retire("propensity", "2");
        await cache.SyncAsync(repository);
        Assert.Empty(repository.All);
        Assert.False(Directory.Exists(Path.Combine(_cache, "propensity")));
    }

    [Fact]
    public async Task SyncAsync_RegistryLostEveryRecordOfAModel_KeepsServingIt_WarnsOnce_RetireStillUnloads()
    {
        var source = new FolderSource(_store);
        source.Add("propensity", "1");
        source.Add("dtypes", "1");
        var cache = new RegistryCache(source, _cache, null, _logs.CreateLogger("test"));
        await using var repository = new ModelRepository(_cache);
        await cache.SyncAsync(null);
        repository.Load();

        // Redis lost its data: the registry reads back nothing of propensity (dtypes was pushed again).
        source.Versions.RemoveAll(v => v.Model == "propensity");
        var first = await cache.SyncAsync(repository);
        var second = await cache.SyncAsync(repository);

        Assert.Empty(first.Removed);
        Assert.Empty(second.Removed);
        Assert.Equal(["1"], repository.VersionsOf("propensity").Select(v => v.Version));
        Assert.Single(_logs.Entries, e => e.Event.Name == "RegistryUnrecordedModelKept" && e.Message.Contains("'propensity'", StringComparison.Ordinal));

        // Once recorded again, the registry's word counts: a retired version is unloaded.
        source.Add("propensity", "1");
        source.Retire("propensity", "1");
        var retired = await cache.SyncAsync(repository);
        Assert.Equal([("propensity", "1")], retired.Removed);
        Assert.Empty(repository.VersionsOf("propensity"));
    }

    [Fact]
    public async Task SyncAsync_ServeFilter_OnlyThoseModels()
    {
        var source = new FolderSource(_store);
        source.Add("propensity", "1");
        source.Add("dtypes", "1");
        var cache = new RegistryCache(source, _cache, ["dtypes"], _logs.CreateLogger("test"));

        var pass = await cache.SyncAsync(null);

        Assert.Equal([("dtypes", "1")], pass.Fetched);
        Assert.False(Directory.Exists(Path.Combine(_cache, "propensity")));
    }

    [Fact]
    public async Task SyncAsync_CachedCopyDamaged_FetchedAgain_IntactCopyKept()
    {
        var source = new FolderSource(_store);
        source.Add("propensity", "1");
        source.Add("propensity", "2");
        await new RegistryCache(source, _cache, null, _logs.CreateLogger("test")).SyncAsync(null);
        var damaged = Path.Combine(_cache, "propensity", "2", ModelRepository.ModelFileName);
        await File.AppendAllTextAsync(damaged, "x");

        // A new process finds the cache: the intact copy is checked and kept, the damaged one replaced.
        var pass = await new RegistryCache(source, _cache, null, _logs.CreateLogger("test")).SyncAsync(null);

        Assert.Equal([("propensity", "2")], pass.Fetched);
        Assert.Equal(source.Sha("propensity", "2"), Hash(damaged));
    }

    [Fact]
    public async Task SyncAsync_NameReachingOutsideTheCache_Ignored()
    {
        var source = new FolderSource(_store);
        source.Add("propensity", "1");
        source.Versions.Add(new PulledVersion("..", "1", new string('a', 64), true));
        source.Versions.Add(new PulledVersion("propensity", "../../x", new string('a', 64), true));

        var pass = await new RegistryCache(source, _cache, null, _logs.CreateLogger("test")).SyncAsync(null);

        Assert.Equal([("propensity", "1")], pass.Fetched);
        Assert.Empty(pass.Refused);
    }

    private static string Hash(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>A registry over a folder laid out as the artefact store is; fetching checks the hash as the real store does.</summary>
    private sealed class FolderSource(string store) : IVersionSource
    {
        public List<PulledVersion> Versions { get; } = [];

        public string Sha(string model, string version) => Hash(Path.Combine(store, model, version, ModelRepository.ModelFileName));

        public void Add(string model, string version, string? sha256 = null) =>
            Versions.Add(new PulledVersion(model, version, sha256 ?? Sha(model, version), true));

        public void Retire(string model, string version)
        {
            var index = Versions.FindIndex(v => v.Model == model && v.Version == version);
            Versions[index] = Versions[index] with { Servable = false };
        }

        public Task<IReadOnlyList<PulledVersion>> ReadAsync(IReadOnlyCollection<string>? models, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<PulledVersion>>([.. Versions]);

        public Task FetchAsync(PulledVersion version, string destination, CancellationToken cancellationToken)
        {
            var source = Path.Combine(store, version.Model, version.Version, ModelRepository.ModelFileName);
            var actual = Hash(source);
            if (actual != version.Sha256)
            {
                throw new ArtifactRefusedException($"sha256 mismatch: recorded {version.Sha256}, got {actual}");
            }
            File.Copy(source, destination, overwrite: true);
            return Task.CompletedTask;
        }
    }
}
