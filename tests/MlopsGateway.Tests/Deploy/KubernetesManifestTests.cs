using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlopsGateway.Cli;
using MlopsGateway.Cli.Commands;
using MlopsGateway.Registry;
using Xunit.Abstractions;

namespace MlopsGateway.Tests.Deploy;

/// <summary>
/// deploy/k8s rendered by the real <c>kubectl kustomize</c> (every folder with a kustomization.yaml) and
/// checked against the real CLI: every container's arguments parse with mlops's own parser, and the
/// probes, Services and scrape annotations use the ports those parsed arguments open, on addresses a
/// pod's neighbours reach. Each test lists every problem it finds, not just the first.
/// </summary>
public sealed partial class KubernetesManifestTests : IClassFixture<KustomizeRenders>
{
    private const string Cpu = "deploy/k8s/overlays/cpu";
    private const string Gpu = "deploy/k8s/overlays/gpu";
    private static readonly string[] s_overlays = [Cpu, Gpu];

    /// <summary>Variables whose values are credentials or carry one: only ever from a Secret.</summary>
    private static readonly string[] s_secretVariables =
        [CliEnvironment.WorkerSecret, CliEnvironment.AdminSecret, CliEnvironment.JwtSigningKey, CliEnvironment.Redis, CliEnvironment.ApiKey];

    private readonly KustomizeRenders _renders;
    private readonly IReadOnlyDictionary<string, string> _secrets;

    public KubernetesManifestTests(KustomizeRenders renders, ITestOutputHelper output)
    {
        _renders = renders;
        _secrets = Manifests.SecretValues(renders.All.Values.SelectMany(o => o));
        output.WriteLine($"Rendered {string.Join(", ", renders.All.Keys)} with {renders.Kubectl}");
    }

    [Fact]
    public void Kustomizations_BothOverlaysAndTheDevRedisRender()
    {
        foreach (var directory in s_overlays.Append("deploy/k8s/redis-dev"))
        {
            Assert.NotEmpty(_renders.Of(directory));
        }
        Assert.All(s_overlays, d => Assert.Contains(Invocations(d), c => c.Command == "gateway"));
        Assert.All(s_overlays, d => Assert.Contains(Invocations(d), c => c.Command == "worker"));
    }

    [Fact]
    public void Containers_EveryMlopsInvocationParsesWithTheCli()
    {
        var problems = new List<string>();
        foreach (var directory in _renders.All.Keys)
        {
            foreach (var pod in Manifests.Pods(directory, _renders.Of(directory)))
            {
                foreach (var container in pod.Containers.Where(Manifests.RunsMlops))
                {
                    try
                    {
                        var parsed = Manifests.Invocation(pod, container, _secrets, Manifests.ConfigValues(_renders.Of(directory)));
                        problems.AddRange(parsed.Parse.Errors.Select(e => $"{parsed}: '{string.Join(' ', parsed.Arguments)}': {e.Message}"));
                        if (parsed.Arguments.Contains("--insecure-no-worker-secret"))
                        {
                            problems.Add($"{parsed}: --insecure-no-worker-secret opens the worker to anyone in the cluster; give it the worker secret.");
                        }
                    }
                    catch (InvalidOperationException ex)
                    {
                        problems.Add(ex.Message);
                    }
                }
            }
        }
        NoProblems(problems);
    }

    [Fact]
    public void Probes_CallThePortsTheArgumentsOpen_GrpcOnTheGrpcPortOnAReachableAddress()
    {
        var problems = new List<string>();
        foreach (var container in AllInvocations())
        {
            var ports = container.Ports;
            foreach (var kind in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
            {
                if (container.Container[kind] is not JsonObject probe)
                {
                    if (container.Command == "worker")
                    {
                        problems.Add($"{container}: no {kind}; a worker needs startup, readiness and liveness probes on grpc.health.v1.");
                    }
                    continue;
                }
                if (probe["grpc"] is JsonObject grpc)
                {
                    var port = int.Parse(Manifests.Text(grpc["port"]));
                    problems.AddRange(Reached(container, kind, port, Listener.Grpc, ports));
                }
                else if (probe["httpGet"] is JsonObject http)
                {
                    problems.AddRange(Reached(container, kind, Manifests.Port(http["port"], container.Container), Listener.Http1, ports));
                }
                else if (container.Command == "worker")
                {
                    problems.Add($"{container}: {kind} is not a gRPC probe; the worker's probes call grpc.health.v1 (grpc: {{port: ...}}).");
                }
            }
            foreach (var declared in Manifests.Objects(container.Container["ports"]))
            {
                var port = int.Parse(Manifests.Text(declared["containerPort"]));
                if (ports.All(p => p.Port != port))
                {
                    problems.Add($"{container}: containerPort {port} is not a port its arguments open ({Describe(ports)}).");
                }
            }
        }
        NoProblems(problems);
    }

    [Fact]
    public void Services_TargetPortsThatTheSelectedPodsOpen()
    {
        var problems = new List<string>();
        foreach (var (directory, objects) in _renders.All)
        {
            var pods = Manifests.Pods(directory, objects).ToList();
            foreach (var service in objects.Where(o => Manifests.Kind(o) == "Service"))
            {
                var selected = pods.Where(p => Manifests.Selects(Manifests.StringMap(service["spec"]?["selector"]), p.Labels)).ToList();
                if (selected.Count == 0)
                {
                    problems.Add($"{directory}: Service/{Manifests.Name(service)} selects no pod of the render.");
                }
                foreach (var servicePort in Manifests.Objects(service["spec"]?["ports"]))
                {
                    var target = servicePort["targetPort"] ?? servicePort["port"];
                    foreach (var pod in selected)
                    {
                        var opened = pod.Containers.Select(c => (Container: c, Ports: OpenedBy(pod, c))).ToList();
                        // A port marked as h2c or gRPC must reach a gRPC listener, not the HTTP/1.1 metrics one.
                        var grpc = Manifests.Text(servicePort["appProtocol"]) is "kubernetes.io/h2c" or "grpc" or "h2c";
                        var reached = opened.Any(o => Manifests.Port(target, o.Container) is { } port
                            && o.Ports.Any(p => p.Port == port && !IPAddress.IsLoopback(p.Bind) && (!grpc || p.Protocol == Listener.Grpc)));
                        if (!reached)
                        {
                            problems.Add($"{directory}: Service/{Manifests.Name(service)} port {Manifests.Text(servicePort["name"])} targets {Manifests.Text(target)}, which no container of {pod} opens on a reachable address ({string.Join("; ", opened.Select(o => Describe(o.Ports)))}).");
                        }
                    }
                }
            }
        }
        NoProblems(problems);
    }

    [Fact]
    public void ScrapeAnnotations_NameTheMetricsPortOnAReachableAddress()
    {
        var problems = new List<string>();
        var scraped = 0;
        foreach (var container in AllInvocations().Where(c => c.Command is "gateway" or "worker"))
        {
            var annotations = container.Pod.Annotations;
            if (annotations.GetValueOrDefault("prometheus.io/scrape") != "true")
            {
                problems.Add($"{container}: its pod has no prometheus.io/scrape: \"true\".");
                continue;
            }
            scraped++;
            var metrics = container.Ports.Single(p => p.Protocol == Listener.Http1);
            if (annotations.GetValueOrDefault("prometheus.io/port") != metrics.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                problems.Add($"{container}: prometheus.io/port is '{annotations.GetValueOrDefault("prometheus.io/port")}', but --metrics-port is {metrics.Port}.");
            }
            if (IPAddress.IsLoopback(metrics.Bind))
            {
                problems.Add($"{container}: the metrics port listens on {metrics.Bind} (--metrics-bind), which Prometheus cannot reach.");
            }
            if (annotations.GetValueOrDefault("prometheus.io/path", "/metrics") != "/metrics")
            {
                problems.Add($"{container}: prometheus.io/path is not /metrics.");
            }
        }
        NoProblems(problems);
        Assert.True(scraped >= 4, $"Expected the gateway and the worker of both overlays scraped, found {scraped}.");
    }

    [Fact]
    public void SecretReferences_NameKeysOfTheDevSecretAndOfTheReadmesCreateSecretCommand()
    {
        var readme = File.ReadAllText(Path.Combine(KustomizeRenders.RepositoryRoot, "README.md"));
        var problems = new List<string>();
        foreach (var (directory, objects) in _renders.All)
        {
            foreach (var pod in Manifests.Pods(directory, objects))
            {
                foreach (var container in pod.Containers)
                {
                    var where = $"{pod} container {Manifests.Text(container["name"])}";
                    foreach (var (variable, secret, key, _) in Manifests.SecretRefs(container))
                    {
                        if (!_secrets.ContainsKey($"{pod.Namespace}/{secret}/{key}"))
                        {
                            problems.Add($"{where}: {variable} reads key '{key}' of Secret {secret}, which no render holds in namespace {pod.Namespace} (add it to deploy/k8s/redis-dev's secretGenerator).");
                        }
                        if (!Regex.IsMatch(readme, $@"create secret generic {Regex.Escape(secret)}\b[^`]*--from-(literal|file)={Regex.Escape(key)}="))
                        {
                            problems.Add($"{where}: {variable} reads key '{key}' of Secret {secret}, which README.md's 'kubectl create secret generic {secret}' (Kubernetes section) does not make.");
                        }
                    }
                    foreach (var env in Manifests.Objects(container["env"]).Where(e => s_secretVariables.Contains(Manifests.Text(e["name"])) && e["value"] is not null))
                    {
                        problems.Add($"{where}: {Manifests.Text(env["name"])} is written in the manifest; take it from a Secret (secretKeyRef).");
                    }
                }
            }
        }
        foreach (var container in AllInvocations().Where(c => c.Command is "gateway" or "worker"))
        {
            var references = Manifests.SecretRefs(container.Container).ToList();
            foreach (var required in new[] { CliEnvironment.WorkerSecret, CliEnvironment.Redis })
            {
                if (!references.Any(r => r.Variable == required && !r.Optional))
                {
                    problems.Add($"{container}: {required} must come from a Secret key that is not optional.");
                }
            }
        }
        NoProblems(problems);
    }

    [Fact]
    public void RedisNamespace_GatewaysAndWorkersOfARenderShareOneValidNamespace()
    {
        var problems = new List<string>();
        foreach (var directory in _renders.All.Keys)
        {
            var roles = Invocations(directory).Where(c => c.Command is "gateway" or "worker").ToList();
            var namespaces = roles.Select(c => c.RedisNamespace).Distinct().ToList();
            if (namespaces.Count > 1)
            {
                problems.Add($"{directory}: gateways and workers use different namespaces in Redis ({string.Join(", ", roles.Select(r => $"{r.Name}: {r.RedisNamespace}"))}), so the gateways never find those workers.");
            }
            problems.AddRange(namespaces.Select(RedisKeys.NamespaceProblem).OfType<string>().Select(p => $"{directory}: {p}"));
        }
        NoProblems(problems);
        Assert.All(s_overlays, d => Assert.Equal("mlops", Assert.Single(Invocations(d).Select(c => c.RedisNamespace).Distinct())));
    }

    [Fact]
    public void GpuOverlay_WorkersRequestAGpuAndRunTheDockerfilesCudaImage_GatewaysAndTheCpuOverlayDoNot()
    {
        var dockerfile = File.ReadAllText(Path.Combine(KustomizeRenders.RepositoryRoot, "Dockerfile"));
        var argument = CudaArgument().Match(dockerfile);
        Assert.True(argument.Success, "The Dockerfile has no 'ARG CUDA_IMAGE=nvidia/cuda:...-cudnn-runtime-...' for its CUDA stage.");
        Assert.Matches(@"(?m)^FROM \$\{CUDA_IMAGE\} AS cuda-base$", dockerfile);
        // One final stage on the base FLAVOR names, CPU unless asked: the overlays' two images come from one build.
        Assert.Matches(@"(?m)^ARG FLAVOR=cpu$", dockerfile);
        Assert.Matches(@"(?m)^FROM \$\{FLAVOR\}-base$", dockerfile);
        Assert.Matches(@"(?m)^FROM \$\{DOTNET_IMAGE\} AS cpu-base$", dockerfile);
        // ONNX Runtime 1.31's CUDA provider links libcudart.so.13 and loads cuDNN 9.
        Assert.StartsWith("13.", argument.Groups["version"].Value, StringComparison.Ordinal);

        foreach (var container in Invocations(Gpu))
        {
            var gpus = Manifests.Text(container.Container["resources"]?["limits"]?["nvidia.com/gpu"]);
            if (container.Command == "worker")
            {
                Assert.True(int.TryParse(gpus, out var count) && count >= 1, $"{container} asks for no nvidia.com/gpu limit.");
                Assert.Equal("cuda", Manifests.Tag(container.Container));
            }
            else
            {
                Assert.Equal("", gpus);
                Assert.NotEqual("cuda", Manifests.Tag(container.Container));
            }
        }
        foreach (var container in Invocations(Cpu))
        {
            Assert.Null(container.Container["resources"]?["limits"]?["nvidia.com/gpu"]);
            Assert.NotEqual("cuda", Manifests.Tag(container.Container));
        }
    }

    [Fact]
    public void WorkerStop_GraceCoversThePreStopTheDrainAndTheCallsInFlight()
    {
        // After the drain the server still finishes the calls in flight; at least this long is left for them.
        var inFlight = TimeSpan.FromSeconds(5);
        var problems = new List<string>();
        var workers = 0;
        foreach (var container in AllInvocations().Where(c => c.Command is "gateway" or "worker"))
        {
            var preStop = PreStop(container.Container);
            var grace = container.Pod.Spec["terminationGracePeriodSeconds"] is { } seconds ? Manifests.Seconds(seconds) : TimeSpan.FromSeconds(30);
            if (preStop is null)
            {
                problems.Add($"{container}: no preStop sleep.");
                continue;
            }
            var drain = container.Command == "worker" ? container.Parse.GetValue<DurationValue>("--drain-delay").Value : TimeSpan.Zero;
            if (container.Command == "worker")
            {
                workers++;
                if (drain <= TimeSpan.Zero)
                {
                    problems.Add($"{container}: --drain-delay is 0, so the calls gateways had sent it are refused when it stops.");
                }
            }
            if (grace < preStop + drain + inFlight)
            {
                problems.Add($"{container}: terminationGracePeriodSeconds {grace.TotalSeconds} does not cover preStop {preStop.Value.TotalSeconds} s + drain {drain.TotalSeconds} s + {inFlight.TotalSeconds} s for the calls in flight.");
            }
        }
        NoProblems(problems);
        Assert.True(workers >= 2, $"Expected a worker in each overlay, found {workers}.");
    }

    [Fact]
    public void Overlays_HaveAnAutoscaledGatewayDisruptionBudgetsSpreadAndResourceBounds()
    {
        foreach (var directory in s_overlays)
        {
            var objects = _renders.Of(directory);
            var pods = Manifests.Pods(directory, objects).ToList();
            var gateway = Assert.Single(Invocations(directory), c => c.Command == "gateway").Pod;
            var hpa = Assert.Single(objects, o => Manifests.Kind(o) == "HorizontalPodAutoscaler");
            Assert.Equal("autoscaling/v2", Manifests.Text(hpa["apiVersion"]));
            Assert.Equal(("Deployment", gateway.Name), (Manifests.Text(hpa["spec"]!["scaleTargetRef"]!["kind"]), Manifests.Text(hpa["spec"]!["scaleTargetRef"]!["name"])));
            Assert.Contains(Manifests.Objects(hpa["spec"]!["metrics"]), m => Manifests.Text(m["resource"]?["name"]) == "cpu");
            Assert.Null(objects.Single(o => Manifests.Kind(o) == "Deployment" && Manifests.Name(o) == gateway.Name)["spec"]!["replicas"]);

            var budgets = objects.Where(o => Manifests.Kind(o) == "PodDisruptionBudget").ToList();
            foreach (var pod in pods)
            {
                Assert.Contains(budgets, b => Manifests.Selects(Manifests.StringMap(b["spec"]?["selector"]?["matchLabels"]), pod.Labels));
                var spread = Manifests.Objects(pod.Spec["topologySpreadConstraints"]).ToList();
                Assert.Contains(spread, s => Manifests.Text(s["topologyKey"]) == "kubernetes.io/hostname"
                    && Manifests.Selects(Manifests.StringMap(s["labelSelector"]?["matchLabels"]), pod.Labels));
                foreach (var container in pod.Containers)
                {
                    Assert.NotNull(container["resources"]?["requests"]?["cpu"]);
                    Assert.NotNull(container["resources"]?["requests"]?["memory"]);
                    Assert.NotNull(container["resources"]?["limits"]?["memory"]);
                }
            }
        }
    }

    [GeneratedRegex(@"(?m)^ARG CUDA_IMAGE=nvidia/cuda:(?<version>[0-9.]+)-cudnn-runtime-\S+$")]
    private static partial Regex CudaArgument();

    private IEnumerable<MlopsContainer> Invocations(string directory) => Manifests.Invocations(directory, _renders.Of(directory), _secrets);

    private IEnumerable<MlopsContainer> AllInvocations() => _renders.All.Keys.SelectMany(Invocations);

    /// <summary>What a container opens: the parsed arguments for mlops, the declared ports for another image.</summary>
    private IReadOnlyList<OpenPort> OpenedBy(PodTemplate pod, JsonObject container) =>
        Manifests.RunsMlops(container)
            ? Manifests.Invocation(pod, container, _secrets, Manifests.ConfigValues(_renders.Of(pod.Directory))).Ports
            : Manifests.Objects(container["ports"]).Select(p => new OpenPort(int.Parse(Manifests.Text(p["containerPort"])), IPAddress.Any, Listener.Http1)).ToArray();

    private static IEnumerable<string> Reached(MlopsContainer container, string kind, int? port, Listener protocol, IReadOnlyList<OpenPort> ports)
    {
        var open = ports.FirstOrDefault(p => p.Port == port);
        if (open is null)
        {
            yield return $"{container}: {kind} calls port {port}, which its arguments do not open ({Describe(ports)}).";
        }
        else if (open.Protocol != protocol)
        {
            yield return $"{container}: {kind} speaks {protocol} to port {port}, which serves {open.Protocol}.";
        }
        else if (IPAddress.IsLoopback(open.Bind))
        {
            yield return $"{container}: {kind} calls port {port}, which listens on {open.Bind}; the kubelet reaches the pod's IP (bind 0.0.0.0).";
        }
    }

    /// <summary>Fails listing every problem in full (Assert.Empty would cut them short).</summary>
    private static void NoProblems(List<string> problems) =>
        Assert.True(problems.Count == 0, $"{problems.Count} problems:\n{string.Join('\n', problems)}");

    private static TimeSpan? PreStop(JsonObject container)
    {
        var preStop = container["lifecycle"]?["preStop"];
        if (preStop?["sleep"]?["seconds"] is { } seconds)
        {
            return Manifests.Seconds(seconds);
        }
        var command = Manifests.Strings(preStop?["exec"]?["command"]).ToArray();
        return command is ["sleep", var n] && int.TryParse(n, out var s) ? TimeSpan.FromSeconds(s) : null;
    }

    private static string Describe(IReadOnlyList<OpenPort> ports) =>
        ports.Count == 0 ? "none" : string.Join(", ", ports.Select(p => $"{p.Protocol} {p.Bind}:{p.Port}"));
}
