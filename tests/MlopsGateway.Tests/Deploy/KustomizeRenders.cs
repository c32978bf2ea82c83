using System.Text.Json.Nodes;
using MlopsGateway.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace MlopsGateway.Tests.Deploy;

/// <summary>
/// Every kustomization under <c>deploy/k8s</c> (any folder holding a <c>kustomization.yaml</c>), rendered
/// once by the real <c>kubectl kustomize</c> and parsed, for the manifest tests to check. kubectl is the one
/// on the PATH, or the one <see cref="Variable"/> names.
/// </summary>
public sealed class KustomizeRenders : IAsyncLifetime
{
    /// <summary>Names a kubectl other than the PATH's.</summary>
    public const string Variable = "MLOPS_TEST_KUBECTL";

    private readonly Dictionary<string, IReadOnlyList<JsonObject>> _renders = new(StringComparer.Ordinal);

    /// <summary>The repository's root folder (the one holding MlopsGateway.sln).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The kubectl run, and its client version line, for the test output.</summary>
    public string Kubectl { get; private set; } = "";

    /// <summary>The kustomization folders, relative to the repository root with '/' separators, ordered.</summary>
    public static IReadOnlyList<string> Directories() =>
        Directory.EnumerateFiles(Path.Combine(RepositoryRoot, "deploy", "k8s"), "kustomization.yaml", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(RepositoryRoot, Path.GetDirectoryName(file)!).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>Every kustomization's objects, by folder.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<JsonObject>> All => _renders;

    /// <summary>The objects one folder renders to.</summary>
    public IReadOnlyList<JsonObject> Of(string directory) =>
        _renders.TryGetValue(directory, out var objects)
            ? objects
            : throw new InvalidOperationException($"{directory} holds no kustomization.yaml; there are: {string.Join(", ", _renders.Keys)}");

    public async Task InitializeAsync()
    {
        var kubectl = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } named ? named : "kubectl";
        var version = await RunAsync(kubectl, ["version", "--client"]);
        Kubectl = $"{kubectl}: {version.Replace('\n', ' ').Trim()}";
        foreach (var directory in Directories())
        {
            string yaml;
            try
            {
                yaml = await RunAsync(kubectl, ["kustomize", Path.Combine(RepositoryRoot, directory)]);
            }
            catch (InvalidOperationException ex) when (!version.Contains("Kustomize Version: v5", StringComparison.Ordinal))
            {
                // Debian's kubernetes-client 1.20 is one: its kustomize v2 reads neither 'labels' nor a folder in 'resources'.
                throw new InvalidOperationException($"{ex.Message} ({Kubectl}: these files need the kustomize v5 of kubectl 1.27 or newer.)", ex);
            }
            _renders[directory] = Parse(yaml);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The YAML documents as JSON trees, every scalar a string (ports too), as the manifests' schema leaves them to the reader.</summary>
    internal static IReadOnlyList<JsonObject> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Select(d => ToJson(d.RootNode)).OfType<JsonObject>().ToArray();
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c =>
            KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => scalar.Value is null ? null : JsonValue.Create(scalar.Value),
        _ => throw new InvalidOperationException($"Unexpected YAML node {node.NodeType} at {node.Start}."),
    };

    private static async Task<string> RunAsync(string kubectl, string[] arguments)
    {
        var result = await ExternalTool.RunAsync(kubectl, arguments, why =>
            $"The deploy/k8s tests render the manifests with kubectl, and '{kubectl}' could not be started ({why}). " +
            $"Install kubectl 1.27 or newer (it carries kustomize v5; Debian's kubernetes-client 1.20 carries kustomize v2, too old for these files), " +
            $"or set {Variable} to its path.");
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{kubectl} {string.Join(' ', arguments)}' exited {result.ExitCode}: {result.Error}");
        }
        return result.Output;
    }

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "MlopsGateway.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"No MlopsGateway.sln above {AppContext.BaseDirectory}.");
    }
}
