using System.Collections.Concurrent;
using System.Collections.Frozen;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace MlopsGateway.Worker.Models;

/// <summary>
/// The models a worker serves, read from a folder laid out as <c>&lt;repo&gt;/&lt;model&gt;/&lt;version&gt;/model.onnx</c>.
/// Requests read an immutable snapshot; loading and unloading build a new one and swap it in, then
/// drain the versions that left it, so no request in flight is dropped. A version that fails to
/// load is refused with a log naming the reason; the others are served.
/// </summary>
internal sealed class ModelRepository : IAsyncDisposable
{
    /// <summary>The model file name looked for in each version folder.</summary>
    public const string ModelFileName = WorkerOptions.ModelFileName;

    private readonly ILogger _logger;
    private readonly ModelLoader _loader;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<(string Model, string Version), ModelState> _states = new();
    private readonly ConcurrentDictionary<(string Model, string Version), string> _stamps = new();
    private volatile Snapshot _snapshot = Snapshot.Empty;
    private FileSystemWatcher? _watcher;
    private Timer? _debounce;
    private readonly ConcurrentDictionary<string, byte> _changed = new(StringComparer.Ordinal);

    public ModelRepository(string root, ILogger<ModelRepository>? logger = null, WorkerMetrics? metrics = null, TimeProvider? time = null)
    {
        Root = Path.GetFullPath(root);
        _logger = logger ?? NullLogger<ModelRepository>.Instance;
        _loader = new ModelLoader(metrics ?? new WorkerMetrics(), time ?? TimeProvider.System, _logger);
    }

    /// <summary>The repository folder.</summary>
    public string Root { get; }

    /// <summary>Raised after the set of loaded versions changed (a version loaded, reloaded or left).</summary>
    public event Action? Changed;

    /// <summary>Whether <see cref="Load"/> has completed.</summary>
    public bool IsLoaded { get; private set; }

    /// <summary>Every loaded version, ordered by model name then version.</summary>
    public IReadOnlyList<ModelVersion> All => _snapshot.All;

    /// <summary>Names of every served model.</summary>
    public IEnumerable<string> ModelNames => _snapshot.ByName.Keys.Order(StringComparer.Ordinal);

    /// <summary>Loads every model under <see cref="Root"/>, each by its version policy.</summary>
    public void Load()
    {
        if (!Directory.Exists(Root))
        {
            throw new DirectoryNotFoundException($"The model repository '{Root}' does not exist.");
        }
        foreach (var modelDir in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
        {
            LoadModelAsync(Path.GetFileName(modelDir)).GetAwaiter().GetResult();
        }
        IsLoaded = true;
        if (_snapshot.All.Count == 0)
        {
            ModelLog.RepositoryEmpty(_logger, Root);
        }
        ModelLog.RepositoryLoaded(_logger, Root, _snapshot.All.Count);
    }

    /// <summary>
    /// (Re)loads one model from its folder: versions chosen by its policy and new or changed on
    /// disk are loaded; versions no longer chosen or gone are drained and unloaded. Unchanged
    /// versions keep serving throughout.
    /// </summary>
    /// <returns>The versions now served.</returns>
    /// <exception cref="DirectoryNotFoundException">The repository has no folder for the model.</exception>
    public async Task<IReadOnlyList<ModelVersion>> LoadModelAsync(string name, CancellationToken cancellationToken = default)
    {
        var modelDir = ModelFolder(name);
        if (!Directory.Exists(modelDir))
        {
            throw new DirectoryNotFoundException($"The repository {Root} has no folder for model '{name}'.");
        }
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        List<ModelVersion> retired = [];
        try
        {
            var onDisk = Directory.EnumerateDirectories(modelDir)
                .Where(d => File.Exists(Path.Combine(d, ModelFileName)))
                .Select(d => Path.GetFileName(d))
                .Order(Comparer<string>.Create(CompareVersions))
                .ToArray();
            IReadOnlyList<string> wanted;
            try
            {
                wanted = ModelConfig.Load(Path.Combine(modelDir, ModelConfig.FileName)).VersionPolicy?.Select(onDisk) ?? onDisk;
            }
            catch (InvalidDataException ex)
            {
                foreach (var version in onDisk)
                {
                    Refuse(name, version, Path.Combine(modelDir, version, ModelFileName), ex.Message);
                }
                wanted = [];
            }

            var current = _snapshot.ByName.GetValueOrDefault(name) ?? [];
            var next = new List<ModelVersion>();
            foreach (var version in onDisk)
            {
                var path = Path.Combine(modelDir, version, ModelFileName);
                var existing = current.FirstOrDefault(v => v.Version == version);
                if (!wanted.Contains(version))
                {
                    _states[(name, version)] = new ModelState(name, version, ModelState.Unloaded, "not chosen by the version policy");
                    continue;
                }
                if (existing is not null && _stamps.TryGetValue((name, version), out var stamp) && stamp == Stamp(path))
                {
                    next.Add(existing);
                    continue;
                }
                var loaded = TryLoad(name, version, path);
                if (loaded is not null)
                {
                    next.Add(loaded);
                }
                else if (existing is not null)
                {
                    // The new artefact is broken: keep serving the one that works.
                    next.Add(existing);
                }
            }
            retired.AddRange(current.Where(v => !next.Contains(v)));
            foreach (var gone in retired.Where(v => !onDisk.Contains(v.Version)))
            {
                _states.TryRemove((name, gone.Version), out _);
            }
            Swap(name, next);
            return next;
        }
        finally
        {
            _writeLock.Release();
            await RetireAsync(retired).ConfigureAwait(false);
        }
    }

    /// <summary>Stops serving every version of a model, after the requests already queued for it finish.</summary>
    /// <returns>Whether the model was loaded.</returns>
    public async Task<bool> UnloadModelAsync(string name, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<ModelVersion> retired;
        try
        {
            retired = _snapshot.ByName.GetValueOrDefault(name) ?? [];
            Swap(name, []);
            foreach (var version in retired)
            {
                _states[(name, version.Version)] = new ModelState(name, version.Version, ModelState.Unloaded, "unloaded on request");
            }
        }
        finally
        {
            _writeLock.Release();
        }
        await RetireAsync(retired).ConfigureAwait(false);
        return retired.Count > 0;
    }

    /// <summary>Every model version found on disk or loaded, with its state.</summary>
    public IReadOnlyList<ModelState> Index() =>
        _states.Values.OrderBy(s => s.Model, StringComparer.Ordinal).ThenBy(s => s.Version, Comparer<string>.Create(CompareVersions)).ToArray();

    /// <summary>
    /// The version to serve: <paramref name="version"/> when given, otherwise the model's latest
    /// (the highest numbered version).
    /// </summary>
    public bool TryResolve(string name, string? version, out ModelVersion? resolved)
    {
        resolved = null;
        if (!_snapshot.ByName.TryGetValue(name, out var versions) || versions.Count == 0)
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

    /// <summary>Reloads a model whenever files under its folder change (debounced by a second).</summary>
    public void StartWatching()
    {
        if (_watcher is not null)
        {
            return;
        }
        _debounce = new Timer(_ => _ = ReloadChangedAsync(), null, Timeout.Infinite, Timeout.Infinite);
        _watcher = new FileSystemWatcher(Root) { IncludeSubdirectories = true, EnableRaisingEvents = false };
        FileSystemEventHandler onChange = (_, e) => OnFileChanged(e.FullPath);
        _watcher.Created += onChange;
        _watcher.Changed += onChange;
        _watcher.Deleted += onChange;
        _watcher.Renamed += (_, e) => OnFileChanged(e.FullPath);
        _watcher.EnableRaisingEvents = true;
    }

    public async ValueTask DisposeAsync()
    {
        _watcher?.Dispose();
        if (_debounce is not null)
        {
            await _debounce.DisposeAsync().ConfigureAwait(false);
        }
        var old = _snapshot;
        _snapshot = Snapshot.Empty;
        await RetireAsync(old.All).ConfigureAwait(false);
        _writeLock.Dispose();
    }

    private void OnFileChanged(string fullPath)
    {
        var relative = Path.GetRelativePath(Root, fullPath);
        var model = relative.Split(Path.DirectorySeparatorChar)[0];
        if (model is "." or "..")
        {
            return;
        }
        _changed[model] = 0;
        _debounce?.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
    }

    private async Task ReloadChangedAsync()
    {
        foreach (var model in _changed.Keys.ToArray())
        {
            _changed.TryRemove(model, out _);
            ModelLog.RepositoryChanged(_logger, model);
            try
            {
                if (Directory.Exists(ModelFolder(model)))
                {
                    await LoadModelAsync(model).ConfigureAwait(false);
                }
                else
                {
                    await UnloadModelAsync(model).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                ModelLog.ModelRefused(_logger, model, "*", ModelFolder(model), ex.Message);
            }
        }
    }

    private ModelVersion? TryLoad(string model, string version, string path)
    {
        try
        {
            var stamp = Stamp(path);
            var loaded = _loader.Load(model, version, path);
            _stamps[(model, version)] = stamp;
            _states[(model, version)] = new ModelState(model, version, ModelState.Ready, "");
            ModelLog.ModelLoaded(_logger, model, version, path, loaded.ExecutionProvider,
                loaded.Batching.Enabled ? $"up to {loaded.Batching.MaxBatchSize} rows" : "off",
                string.Join(", ", loaded.Inputs.Select(i => $"{i.Name} {i.Datatype} {i.ShapeText}")),
                string.Join(", ", loaded.Outputs.Select(o => $"{o.Name} {o.Datatype} {o.ShapeText}")));
            return loaded;
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or InvalidDataException or IOException or UnauthorizedAccessException
            or Google.Protobuf.InvalidProtocolBufferException)
        {
            Refuse(model, version, path, ex.Message);
            return null;
        }
    }

    private void Refuse(string model, string version, string path, string reason)
    {
        _states[(model, version)] = new ModelState(model, version, ModelState.Unavailable, reason);
        ModelLog.ModelRefused(_logger, model, version, path, reason);
    }

    private void Swap(string name, List<ModelVersion> versions)
    {
        var byName = _snapshot.ToDictionary(StringComparer.Ordinal);
        if (versions.Count == 0)
        {
            byName.Remove(name);
        }
        else
        {
            byName[name] = versions.ToArray();
        }
        _snapshot = new Snapshot(byName);
        Changed?.Invoke();
    }

    private async Task RetireAsync(IReadOnlyList<ModelVersion> versions)
    {
        foreach (var version in versions)
        {
            await version.DisposeAsync().ConfigureAwait(false);
            ModelLog.ModelUnloaded(_logger, version.Name, version.Version);
        }
    }

    private string ModelFolder(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name is "." or "..")
        {
            throw new DirectoryNotFoundException($"'{name}' is not a model folder name.");
        }
        return Path.Combine(Root, name);
    }

    /// <summary>Size and write time of the model file and both config files: a change to any reloads the version.</summary>
    private static string Stamp(string path)
    {
        var versionDir = Path.GetDirectoryName(path)!;
        var files = new[] { path, Path.Combine(versionDir, ModelConfig.FileName), Path.Combine(Path.GetDirectoryName(versionDir)!, ModelConfig.FileName) };
        return string.Join('|', files.Select(f =>
        {
            var info = new FileInfo(f);
            return info.Exists ? $"{info.Length}@{info.LastWriteTimeUtc.Ticks}" : "-";
        }));
    }

    /// <summary>Orders versions numerically where both are numbers, ordinally otherwise.</summary>
    internal static int CompareVersions(string a, string b) => MlopsGateway.Registry.VersionOrder.Compare(a, b);

    private sealed class Snapshot
    {
        public static readonly Snapshot Empty = new(new Dictionary<string, ModelVersion[]>());

        public Snapshot(Dictionary<string, ModelVersion[]> byName)
        {
            foreach (var versions in byName.Values)
            {
                Array.Sort(versions, (a, b) => CompareVersions(a.Version, b.Version));
            }
            ByName = byName.ToFrozenDictionary(p => p.Key, p => (IReadOnlyList<ModelVersion>)p.Value, StringComparer.Ordinal);
            All = byName.OrderBy(p => p.Key, StringComparer.Ordinal).SelectMany(p => p.Value).ToArray();
        }

        public FrozenDictionary<string, IReadOnlyList<ModelVersion>> ByName { get; }

        public IReadOnlyList<ModelVersion> All { get; }

        public Dictionary<string, ModelVersion[]> ToDictionary(StringComparer comparer) =>
            ByName.ToDictionary(p => p.Key, p => p.Value.ToArray(), comparer);
    }
}
