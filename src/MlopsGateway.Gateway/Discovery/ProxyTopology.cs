using System.Collections.Frozen;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>
/// Which YARP cluster serves what, built with each config: per model version, per model (any
/// version), and every worker. Replaced whole with the config it describes.
/// </summary>
internal sealed class ProxyTopology
{
    public const string AllCluster = "workers";

    public static ProxyTopology Empty { get; } = new(FrozenDictionary<string, ModelClusters>.Empty, hasStatic: false);

    public ProxyTopology(FrozenDictionary<string, ModelClusters> models, bool hasStatic)
    {
        Models = models;
        HasStatic = hasStatic;
    }

    public FrozenDictionary<string, ModelClusters> Models { get; }

    /// <summary>Whether static workers (taken to serve everything) are configured.</summary>
    public bool HasStatic { get; }

    public static string VersionCluster(string model, string version) => $"model/{model}/{version}";

    public static string ModelCluster(string model) => $"model/{model}";

    /// <summary>The clusters of one model.</summary>
    /// <param name="AnyVersion">Workers serving any version of the model.</param>
    /// <param name="Versions">Cluster id by version.</param>
    /// <param name="Latest">The highest version served.</param>
    internal sealed record ModelClusters(string AnyVersion, FrozenDictionary<string, string> Versions, string Latest);
}
