using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Worker.RegistrySync;

/// <summary>
/// Keeps a worker's cache folder, <c>&lt;cache&gt;/&lt;model&gt;/&lt;version&gt;/model.onnx</c>, equal to the
/// registry's servable versions (READY, not retired, of the models it serves), then asks the
/// <see cref="ModelRepository"/> serving that folder to reload the models that changed: its load
/// swaps new versions in with no request dropped and drains the ones that left. Every copy is
/// checked against the recorded sha256; a version whose artefact does not match is refused (logged
/// once, with both hashes) and the others still load. Free of DI; one pass at a time.
/// </summary>
internal sealed class RegistryCache
{
    private readonly IVersionSource _source;
    private readonly string _root;
    private readonly IReadOnlyCollection<string>? _serve;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lock = new(1, 1);
    // Hashes this process checked, by version: a cached file is hashed once, not on every pass.
    private readonly Dictionary<(string Model, string Version), string> _verified = [];
    // Refusals already logged, so a broken artefact is logged once rather than on every pass.
    private readonly Dictionary<(string Model, string Version), string> _refused = [];
    // Models kept while the registry held no record of them, so the warning is logged once.
    private readonly HashSet<string> _keptUnrecorded = new(StringComparer.Ordinal);

    /// <summary>A cache in <paramref name="root"/> of <paramref name="source"/>'s versions of the models in <paramref name="serve"/> (null or empty: every model).</summary>
    public RegistryCache(IVersionSource source, string root, IReadOnlyCollection<string>? serve, ILogger logger)
    {
        _source = source;
        _root = Path.GetFullPath(root);
        _serve = serve is { Count: > 0 } ? serve : null;
        _logger = logger;
    }

    /// <summary>The cache folder, which the worker's repository serves.</summary>
    public string Root => _root;

    /// <summary>
    /// One pass: reads the registry, removes what is no longer servable, fetches what is missing, and
    /// reloads the changed models in <paramref name="repository"/> (null before the repository has loaded:
    /// the folder alone is brought up to date, and the repository's first load reads it).
    /// </summary>
    public async Task<CachePass> SyncAsync(ModelRepository? repository, CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var versions = await _source.ReadAsync(_serve, cancellationToken).ConfigureAwait(false);
            var wanted = new Dictionary<(string Model, string Version), PulledVersion>();
            var recorded = new HashSet<string>(StringComparer.Ordinal);
            foreach (var version in versions)
            {
                recorded.Add(version.Model);
                if (version.Servable && Serves(version.Model) && SafeName(version.Model) && SafeName(version.Version))
                {
                    wanted[(version.Model, version.Version)] = version;
                }
            }
            var pass = new CachePass();
            Directory.CreateDirectory(_root);
            RemoveUnwanted(wanted, recorded, pass);
            foreach (var ((model, version), record) in wanted.OrderBy(p => p.Key.Model, StringComparer.Ordinal).ThenBy(p => p.Key.Version, StringComparer.Ordinal))
            {
                await EnsureAsync(model, version, record, pass, cancellationToken).ConfigureAwait(false);
            }
            foreach (var key in _refused.Keys.Where(k => !wanted.ContainsKey(k)).ToArray())
            {
                _refused.Remove(key);
            }
            if (repository is not null)
            {
                foreach (var model in pass.Changed.Order(StringComparer.Ordinal))
                {
                    await ReloadAsync(repository, model, cancellationToken).ConfigureAwait(false);
                }
            }
            return pass;
        }
        finally
        {
            _lock.Release();
        }
    }

    // Whether this worker serves model (--serve's models, or every model without it).
    private bool Serves(string model) => _serve is null || _serve.Contains(model);

    // A version leaves when the registry says so: retired or not READY, or its model is no longer
    // served here. A model the registry holds no record of at all is kept: versions are retired,
    // never deleted, so that is a Redis that lost its data (restarted empty, or evicted), and
    // unloading would turn lost bookkeeping into an outage.
    private void RemoveUnwanted(Dictionary<(string Model, string Version), PulledVersion> wanted, HashSet<string> recorded, CachePass pass)
    {
        // A model recorded again is warned of again if its record is lost again.
        _keptUnrecorded.RemoveWhere(recorded.Contains);
        foreach (var modelDir in Directory.EnumerateDirectories(_root))
        {
            var model = Path.GetFileName(modelDir);
            if (!recorded.Contains(model) && Serves(model))
            {
                if (_keptUnrecorded.Add(model))
                {
                    RegistrySyncLog.UnrecordedModelKept(_logger, model);
                }
                continue;
            }
            foreach (var versionDir in Directory.EnumerateDirectories(modelDir))
            {
                var version = Path.GetFileName(versionDir);
                if (!wanted.ContainsKey((model, version)))
                {
                    // The repository keeps its session; deleting the file under it is safe, and its reload drains it.
                    Directory.Delete(versionDir, recursive: true);
                    _verified.Remove((model, version));
                    pass.Removed.Add((model, version));
                    pass.Changed.Add(model);
                    RegistrySyncLog.VersionRemoved(_logger, model, version);
                }
            }
        }
    }

    private async Task EnsureAsync(string model, string version, PulledVersion record, CachePass pass, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_root, model, version, ModelRepository.ModelFileName);
        if (_verified.TryGetValue((model, version), out var checkedHash) && checkedHash == record.Sha256 && File.Exists(path))
        {
            return;
        }
        if (File.Exists(path))
        {
            if (await HashAsync(path, cancellationToken).ConfigureAwait(false) == record.Sha256)
            {
                _verified[(model, version)] = record.Sha256;
                return;
            }
            // Damaged on disk, or left by an earlier registry under the same name: fetched again below.
            File.Delete(path);
            pass.Changed.Add(model);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            // The fetch writes beside the destination and moves the file in once verified: the repository sees the whole file or none.
            await _source.FetchAsync(record, path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArtifactRefusedException or IOException or UnauthorizedAccessException)
        {
            pass.Refused.Add((model, version, ex.Message));
            if (!_refused.TryGetValue((model, version), out var logged) || logged != ex.Message)
            {
                _refused[(model, version)] = ex.Message;
                RegistrySyncLog.VersionRefused(_logger, model, version, ex.Message);
            }
            return;
        }
        _refused.Remove((model, version));
        _verified[(model, version)] = record.Sha256;
        pass.Fetched.Add((model, version));
        pass.Changed.Add(model);
        RegistrySyncLog.VersionFetched(_logger, model, version, record.Sha256, path);
    }

    private async Task ReloadAsync(ModelRepository repository, string model, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(_root, model);
        var hasVersion = Directory.Exists(folder)
            && Directory.EnumerateDirectories(folder).Any(d => File.Exists(Path.Combine(d, ModelRepository.ModelFileName)));
        if (hasVersion)
        {
            await repository.LoadModelAsync(model, cancellationToken).ConfigureAwait(false);
            return;
        }
        await repository.UnloadModelAsync(model, cancellationToken).ConfigureAwait(false);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Whether a registry name can be a folder name: a record written by hand must not reach outside the cache.</summary>
    private static bool SafeName(string name) =>
        !string.IsNullOrWhiteSpace(name) && name is not ("." or "..") && name.IndexOfAny(Path.GetInvalidFileNameChars()) < 0
        && name.IndexOfAny(['/', '\\']) < 0;
}

/// <summary>What one pass of <see cref="RegistryCache"/> did.</summary>
internal sealed class CachePass
{
    /// <summary>Versions copied into the cache (and verified).</summary>
    public List<(string Model, string Version)> Fetched { get; } = [];

    /// <summary>Versions taken out of the cache: retired, no longer READY, or no longer served here.</summary>
    public List<(string Model, string Version)> Removed { get; } = [];

    /// <summary>Versions that could not be fetched or did not match their sha256, with why.</summary>
    public List<(string Model, string Version, string Reason)> Refused { get; } = [];

    /// <summary>Models whose folder changed, reloaded in the repository.</summary>
    public HashSet<string> Changed { get; } = new(StringComparer.Ordinal);
}
