using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using MlopsGateway.Worker.Internal;

namespace MlopsGateway.Worker;

/// <summary>
/// The models a worker serves, read from a folder laid out as <c>&lt;repo&gt;/&lt;model&gt;/&lt;version&gt;/model.onnx</c>
/// with an optional <c>config.json</c> beside each file. A version that fails to load is refused
/// with a log naming the reason; the others are served.
/// </summary>
public sealed class ModelRepository : IDisposable
{
    /// <summary>The model file name looked for in each version folder.</summary>
    public const string ModelFileName = "model.onnx";

    private readonly ILogger _logger;
    private volatile Snapshot _snapshot = Snapshot.Empty;

    public ModelRepository(string root, ILogger<ModelRepository>? logger = null)
    {
        Root = Path.GetFullPath(root);
        _logger = logger ?? NullLogger<ModelRepository>.Instance;
    }

    /// <summary>The repository folder.</summary>
    public string Root { get; }

    /// <summary>Whether <see cref="Load"/> has completed.</summary>
    public bool IsLoaded { get; private set; }

    /// <summary>Every loaded version, ordered by model name then version.</summary>
    public IReadOnlyList<ModelVersion> All => _snapshot.All;

    /// <summary>Loads every model version under <see cref="Root"/>.</summary>
    public void Load()
    {
        if (!Directory.Exists(Root))
        {
            throw new DirectoryNotFoundException($"The model repository '{Root}' does not exist.");
        }
        var loaded = new List<ModelVersion>();
        foreach (var modelDir in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
        {
            var model = System.IO.Path.GetFileName(modelDir);
            foreach (var versionDir in Directory.EnumerateDirectories(modelDir))
            {
                var path = System.IO.Path.Combine(versionDir, ModelFileName);
                if (File.Exists(path))
                {
                    var version = TryLoad(model, System.IO.Path.GetFileName(versionDir), path);
                    if (version is not null)
                    {
                        loaded.Add(version);
                    }
                }
            }
        }
        var old = _snapshot;
        _snapshot = new Snapshot(loaded);
        IsLoaded = true;
        foreach (var version in old.All)
        {
            version.Dispose();
        }
        if (loaded.Count == 0)
        {
            WorkerLog.RepositoryEmpty(_logger, Root);
        }
        WorkerLog.RepositoryLoaded(_logger, Root, loaded.Count);
    }

    /// <summary>
    /// The version to serve: <paramref name="version"/> when given, otherwise the model's latest
    /// (the highest numbered version).
    /// </summary>
    public bool TryResolve(string name, string? version, out ModelVersion? resolved)
    {
        resolved = null;
        if (!_snapshot.ByName.TryGetValue(name, out var versions))
        {
            return false;
        }
        if (string.IsNullOrEmpty(version))
        {
            resolved = versions[^1];
            return true;
        }
        foreach (var candidate in versions)
        {
            if (candidate.Version == version)
            {
                resolved = candidate;
                return true;
            }
        }
        return false;
    }

    /// <summary>The loaded versions of <paramref name="name"/>, oldest first; empty when unknown.</summary>
    public IReadOnlyList<ModelVersion> VersionsOf(string name) =>
        _snapshot.ByName.TryGetValue(name, out var versions) ? versions : [];

    /// <summary>Names of every served model.</summary>
    public IEnumerable<string> ModelNames => _snapshot.ByName.Keys.Order(StringComparer.Ordinal);

    public void Dispose()
    {
        var old = _snapshot;
        _snapshot = Snapshot.Empty;
        foreach (var version in old.All)
        {
            version.Dispose();
        }
    }

    private ModelVersion? TryLoad(string model, string version, string path)
    {
        InferenceSession? session = null;
        try
        {
            var config = ModelConfig.Load(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, ModelConfig.FileName));
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            if (config.IntraOpThreads > 0)
            {
                options.IntraOpNumThreads = config.IntraOpThreads;
            }
            session = new InferenceSession(path, options);
            var loaded = new ModelVersion(model, version, path, config, session);
            WorkerLog.ModelLoaded(_logger, model, version, path,
                string.Join(", ", loaded.Inputs.Select(i => $"{i.Name} {i.Datatype} {i.ShapeText}")),
                string.Join(", ", loaded.Outputs.Select(o => $"{o.Name} {o.Datatype} {o.ShapeText}")));
            return loaded;
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            session?.Dispose();
            WorkerLog.ModelRefused(_logger, model, version, path, ex.Message);
            return null;
        }
    }

    /// <summary>Orders versions numerically where both are numbers, ordinally otherwise.</summary>
    internal static int CompareVersions(string a, string b) => MlopsGateway.Registry.VersionOrder.Compare(a, b);

    private sealed class Snapshot
    {
        public static readonly Snapshot Empty = new([]);

        public Snapshot(List<ModelVersion> versions)
        {
            versions.Sort((a, b) =>
            {
                var byName = string.CompareOrdinal(a.Name, b.Name);
                return byName != 0 ? byName : CompareVersions(a.Version, b.Version);
            });
            All = versions;
            ByName = versions.GroupBy(v => v.Name, StringComparer.Ordinal)
                .ToFrozenDictionary(g => g.Key, g => (IReadOnlyList<ModelVersion>)g.ToArray(), StringComparer.Ordinal);
        }

        public IReadOnlyList<ModelVersion> All { get; }

        public FrozenDictionary<string, IReadOnlyList<ModelVersion>> ByName { get; }
    }
}
