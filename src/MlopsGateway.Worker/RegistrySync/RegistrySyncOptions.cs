namespace MlopsGateway.Worker.RegistrySync;

/// <summary>How a worker serves models from the registry rather than from a folder of its own.</summary>
public sealed class RegistrySyncOptions
{
    /// <summary>
    /// The artefact store the registry's versions are copied from: a folder (a shared volume in
    /// production) or an <c>http(s)://</c> base URL.
    /// </summary>
    public string Artifacts { get; set; } = "";

    /// <summary>
    /// The local folder verified copies are kept in, as <c>&lt;cache&gt;/&lt;model&gt;/&lt;version&gt;/model.onnx</c>;
    /// the worker's repository serves it. Created when missing; a restart re-checks what it holds instead of downloading again.
    /// </summary>
    public string CacheFolder { get; set; } = Path.Combine(Path.GetTempPath(), "mlops-registry-cache");

    /// <summary>The deployment's namespace in Redis (<c>--namespace</c>), whose registry is served.</summary>
    public string Namespace { get; set; } = MlopsGateway.Registry.RedisKeys.DefaultNamespace;

    /// <summary>The models to serve; empty serves every model in the registry.</summary>
    public List<string> Models { get; set; } = [];

    /// <summary>How often the registry is read again besides on every change announced (a missed message is caught then).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);
}
