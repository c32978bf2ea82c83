using System.CommandLine;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlopsGateway.Cli;
using MlopsGateway.Cli.Commands;
using MlopsGateway.Registry;

namespace MlopsGateway.Tests.Deploy;

/// <summary>What a listener speaks: gRPC over HTTP/2, or HTTP/1.1 (metrics and /healthz).</summary>
public enum Listener
{
    Grpc,
    Http1,
}

/// <summary>A port a container's <c>mlops</c> arguments open, read from the parse result.</summary>
public sealed record OpenPort(int Port, IPAddress Bind, Listener Protocol);

/// <summary>A pod template in a render: its workload and labels.</summary>
public sealed record PodTemplate(string Directory, string Kind, string Name, string? Namespace, JsonObject Metadata, JsonObject Spec)
{
    public IReadOnlyDictionary<string, string> Labels => Manifests.StringMap(Metadata["labels"]);

    public IReadOnlyDictionary<string, string> Annotations => Manifests.StringMap(Metadata["annotations"]);

    public IEnumerable<JsonObject> Containers => Manifests.Objects(Spec["containers"]).Concat(Manifests.Objects(Spec["initContainers"]));

    public override string ToString() => $"{Directory}: {Kind}/{Name}";
}

/// <summary>One container running <c>mlops</c> (the image's entrypoint), its arguments parsed by the CLI's own parser.</summary>
public sealed record MlopsContainer(PodTemplate Pod, JsonObject Container, string[] Arguments, ParseResult Parse, IReadOnlyDictionary<string, string> Environment)
{
    public string Name => Manifests.Text(Container["name"]);

    /// <summary>The subcommand: gateway, worker, up, loadtest, ...</summary>
    public string Command => Parse.CommandResult.Command.Name;

    /// <summary>The listeners the arguments open; those a command does not open are absent.</summary>
    public IReadOnlyList<OpenPort> Ports => Command switch
    {
        "gateway" or "worker" =>
        [
            new(Parse.GetValue<int>("--port"), Parse.GetValue<IPAddress>("--bind")!, Listener.Grpc),
            new(Parse.GetValue<int>("--metrics-port"), Parse.GetValue<IPAddress>("--metrics-bind")!, Listener.Http1),
        ],
        "up" =>
        [
            new(Parse.GetValue<int>("--gateway-port"), Parse.GetValue<IPAddress>("--bind")!, Listener.Grpc),
            new(Parse.GetValue<int>("--worker-port"), Parse.GetValue<IPAddress>("--bind")!, Listener.Grpc),
            new(Parse.GetValue<int>("--gateway-metrics-port"), Parse.GetValue<IPAddress>("--metrics-bind")!, Listener.Http1),
            new(Parse.GetValue<int>("--worker-metrics-port"), Parse.GetValue<IPAddress>("--metrics-bind")!, Listener.Http1),
        ],
        _ => [],
    };

    /// <summary>The namespace in Redis of a command that has <c>--namespace</c>: the option, else MLOPS_NAMESPACE, else the default.</summary>
    public string RedisNamespace =>
        Parse.GetValue<string?>(NamespaceOption.Name) ?? Environment.GetValueOrDefault(CliEnvironment.Namespace) ?? RedisKeys.DefaultNamespace;

    public override string ToString() => $"{Pod} container {Name} ({Command})";
}

/// <summary>Reading rendered manifests: workloads, containers and the <c>mlops</c> invocations in them.</summary>
public static partial class Manifests
{
    /// <summary>The image <c>mlops</c> runs from (any registry or tag): the Dockerfile's entrypoint.</summary>
    public const string Image = "mlops";

    public const string Entrypoint = "/app/mlops";

    /// <summary>What the downward API's <c>status.podIP</c> stands for when the tests expand <c>$(POD_IP)</c>.</summary>
    public const string PodIp = "10.1.2.3";

    public static string Text(JsonNode? node) => node?.GetValue<string>() ?? "";

    public static IEnumerable<JsonObject> Objects(JsonNode? node) => node is JsonArray array ? array.OfType<JsonObject>() : [];

    public static IEnumerable<string> Strings(JsonNode? node) => node is JsonArray array ? array.Select(Text) : [];

    public static IReadOnlyDictionary<string, string> StringMap(JsonNode? node) =>
        node is JsonObject map ? map.ToDictionary(p => p.Key, p => Text(p.Value)) : new Dictionary<string, string>();

    public static string Kind(JsonObject o) => Text(o["kind"]);

    public static string Name(JsonObject o) => Text(o["metadata"]?["name"]);

    public static string? Namespace(JsonObject o) => o["metadata"]?["namespace"]?.GetValue<string>();

    /// <summary>The pod templates of the workloads among <paramref name="objects"/>.</summary>
    public static IEnumerable<PodTemplate> Pods(string directory, IEnumerable<JsonObject> objects)
    {
        foreach (var o in objects)
        {
            var template = Kind(o) switch
            {
                "Deployment" or "StatefulSet" or "DaemonSet" or "ReplicaSet" or "Job" => o["spec"]?["template"],
                "CronJob" => o["spec"]?["jobTemplate"]?["spec"]?["template"],
                "Pod" => o,
                _ => null,
            };
            if (template?["spec"] is JsonObject spec)
            {
                yield return new PodTemplate(directory, Kind(o), Name(o), Namespace(o), template["metadata"] as JsonObject ?? [], spec);
            }
        }
    }

    /// <summary>Whether the container runs the mlops image (any registry, any tag).</summary>
    public static bool RunsMlops(JsonObject container)
    {
        var image = Text(container["image"]);
        var name = image.Split('@')[0];
        var slash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        if (colon > slash)
        {
            name = name[..colon];
        }
        return name[(slash + 1)..] == Image;
    }

    /// <summary>The image's tag (<c>latest</c> when it has none).</summary>
    public static string Tag(JsonObject container)
    {
        var image = Text(container["image"]).Split('@')[0];
        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? image[(colon + 1)..] : "latest";
    }

    /// <summary>
    /// The container's arguments as Kubernetes passes them (<c>$(VAR)</c> expanded from its env) parsed by
    /// the CLI's root command, which reads its fallback variables from the same env. A secretKeyRef takes its
    /// value from <paramref name="secrets"/> (by "namespace/name/key"), else a placeholder; a configMapKeyRef
    /// from <paramref name="configs"/>, the render's own ConfigMaps.
    /// </summary>
    public static MlopsContainer Invocation(PodTemplate pod, JsonObject container, IReadOnlyDictionary<string, string> secrets, IReadOnlyDictionary<string, string> configs)
    {
        var environment = Environment(pod, container, secrets, configs);
        var command = Strings(container["command"]).ToList();
        if (command.Count > 0 && command[0] != Entrypoint)
        {
            throw new InvalidOperationException(
                $"{pod} container {Text(container["name"])} runs '{command[0]}', not {Entrypoint}: leave 'command' out (or make it [{Entrypoint}]) and give mlops's arguments in 'args', so they can be checked.");
        }
        var arguments = command.Skip(1).Concat(Strings(container["args"])).Select(a => Expand(a, environment)).ToArray();
        var parse = MlopsCommand.Create(new CliEnvironment(environment.GetValueOrDefault)).Parse(arguments);
        return new MlopsContainer(pod, container, arguments, parse, environment);
    }

    /// <summary>Every <c>mlops</c> container of <paramref name="objects"/>, parsed; ConfigMap references read the render's own.</summary>
    public static IEnumerable<MlopsContainer> Invocations(string directory, IReadOnlyList<JsonObject> objects, IReadOnlyDictionary<string, string> secrets) =>
        from pod in Pods(directory, objects)
        from container in pod.Containers
        where RunsMlops(container)
        select Invocation(pod, container, secrets, ConfigValues(objects));

    /// <summary>The Secrets' values by "namespace/name/key", decoded.</summary>
    public static IReadOnlyDictionary<string, string> SecretValues(IEnumerable<JsonObject> objects) => Values(objects, "Secret");

    /// <summary>The ConfigMaps' values by "namespace/name/key".</summary>
    public static IReadOnlyDictionary<string, string> ConfigValues(IEnumerable<JsonObject> objects) => Values(objects, "ConfigMap");

    private static Dictionary<string, string> Values(IEnumerable<JsonObject> objects, string kind)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var secret in objects.Where(o => Kind(o) == kind))
        {
            foreach (var (key, value) in StringMap(secret["data"]))
            {
                values[$"{Namespace(secret)}/{Name(secret)}/{key}"] = kind == "Secret" ? Encoding.UTF8.GetString(Convert.FromBase64String(value)) : value;
            }
            foreach (var (key, value) in StringMap(secret["stringData"]))
            {
                values[$"{Namespace(secret)}/{Name(secret)}/{key}"] = value;
            }
        }
        return values;
    }

    /// <summary>The <c>secretKeyRef</c>s of a container's env: variable, Secret name, key, optional.</summary>
    public static IEnumerable<(string Variable, string Secret, string Key, bool Optional)> SecretRefs(JsonObject container) =>
        from env in Objects(container["env"])
        let reference = env["valueFrom"]?["secretKeyRef"]
        where reference is not null
        select (Text(env["name"]), Text(reference["name"]), Text(reference["key"]), Text(reference["optional"]) == "true");

    /// <summary>A port given as a number or as the name of one of the container's ports; null when neither.</summary>
    public static int? Port(JsonNode? port, JsonObject container)
    {
        var text = Text(port);
        if (int.TryParse(text, out var number))
        {
            return number;
        }
        return Objects(container["ports"]).Where(p => Text(p["name"]) == text).Select(p => (int?)int.Parse(Text(p["containerPort"]))).FirstOrDefault();
    }

    /// <summary>Whether <paramref name="selector"/> (a Service's or a matchLabels) picks pods labelled <paramref name="labels"/>.</summary>
    public static bool Selects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(s => labels.TryGetValue(s.Key, out var value) && value == s.Value);

    /// <summary>A duration as Kubernetes writes seconds.</summary>
    public static TimeSpan Seconds(JsonNode? node) => TimeSpan.FromSeconds(int.Parse(Text(node)));

    private static Dictionary<string, string> Environment(
        PodTemplate pod, JsonObject container, IReadOnlyDictionary<string, string> secrets, IReadOnlyDictionary<string, string> configs)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var env in Objects(container["env"]))
        {
            var name = Text(env["name"]);
            if (env["value"] is { } value)
            {
                environment[name] = Expand(Text(value), environment);
            }
            else if (env["valueFrom"]?["fieldRef"]?["fieldPath"] is { } field)
            {
                environment[name] = Text(field) == "status.podIP" ? PodIp : $"field-{Text(field)}";
            }
            else if (env["valueFrom"]?["configMapKeyRef"] is { } config)
            {
                var key = $"{pod.Namespace}/{Text(config["name"])}/{Text(config["key"])}";
                environment[name] = configs.TryGetValue(key, out var found) ? found
                    : throw new InvalidOperationException($"{pod} container {Text(container["name"])}: {name} reads ConfigMap key {key}, which the render does not hold.");
            }
            else if (env["valueFrom"]?["secretKeyRef"] is { } secret)
            {
                var found = secrets.Where(s => s.Key.EndsWith($"/{Text(secret["name"])}/{Text(secret["key"])}", StringComparison.Ordinal)).Select(s => s.Value).FirstOrDefault();
                environment[name] = found ?? "placeholder-for-a-secret-value-of-32-chars";
            }
        }
        return environment;
    }

    /// <summary>Kubernetes' <c>$(VAR)</c> expansion: a defined variable is replaced, <c>$$</c> is a literal <c>$</c>, the rest stays.</summary>
    private static string Expand(string text, IReadOnlyDictionary<string, string> environment) =>
        Reference().Replace(text, m => m.Value == "$$" ? "$" : environment.TryGetValue(m.Groups[1].Value, out var value) ? value : m.Value);

    [GeneratedRegex(@"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();
}
