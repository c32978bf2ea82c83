using System.Text.RegularExpressions;
using MlopsGateway.Tests.Infrastructure;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace MlopsGateway.Tests.Deploy;

/// <summary>
/// <c>deploy/prometheus/alerts.yml</c> checked and unit-tested by the real <c>promtool</c> (Debian's
/// <c>prometheus</c> package; <see cref="Variable"/> names another), and its expressions held to the
/// gauges the gateway exports.
/// </summary>
public partial class PrometheusRulesTests(ITestOutputHelper output)
{
    /// <summary>Names a promtool other than the PATH's.</summary>
    public const string Variable = "MLOPS_TEST_PROMTOOL";

    // The gateway's model-quality gauges as Prometheus names them (QualityMetrics; GaugesFunctionalTests scrapes them).
    internal static readonly string[] ExportedNames =
    [
        "mlops_model_drift_score", "mlops_model_drift_threshold", "mlops_model_drift_detected",
        "mlops_model_accuracy", "mlops_model_accuracy_lower", "mlops_model_accuracy_upper", "mlops_model_label_coverage",
    ];

    private static string Folder => Path.Combine(KustomizeRenders.RepositoryRoot, "deploy", "prometheus");

    [Fact]
    public async Task CheckRules_AlertsFile_Valid()
    {
        var result = await PromtoolAsync("check", "rules", "alerts.yml");

        Assert.Contains("SUCCESS: 4 rules found", result);
    }

    [Fact]
    public async Task TestRules_AlertsTestFile_Pass()
    {
        var result = await PromtoolAsync("test", "rules", "alerts.test.yml");

        Assert.Contains("SUCCESS", result);
    }

    [Fact]
    public void Rules_Expressions_NameOnlyExportedGaugesAndCarrySeverityAndSummary()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(Folder, "alerts.yml"))));
        var rules = ((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode)["groups"])[0])["rules"]).Children
            .Cast<YamlMappingNode>().ToArray();

        Assert.Equal(["MlopsFeatureDrift", "MlopsModelDrift", "MlopsAccuracyLow", "MlopsLabelCoverageLow"], rules.Select(r => r["alert"].ToString()));
        foreach (var rule in rules)
        {
            var metrics = MetricName().Matches(rule["expr"].ToString()).Select(m => m.Value).ToArray();
            Assert.NotEmpty(metrics);
            Assert.All(metrics, m => Assert.Contains(m, ExportedNames));
            Assert.Contains(((YamlMappingNode)rule["labels"])["severity"].ToString(), new[] { "info", "warning", "critical" });
            var summary = ((YamlMappingNode)rule["annotations"])["summary"].ToString();
            Assert.Contains("{{ $labels.model }} version {{ $labels.version }}", summary);
            Assert.True(rule.Children.ContainsKey("for"), $"{rule["alert"]} has no 'for'");
        }
    }

    [GeneratedRegex("mlops_[a-z_]+")]
    private static partial Regex MetricName();

    private async Task<string> PromtoolAsync(params string[] arguments)
    {
        var promtool = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } named ? named : "promtool";
        var result = await ExternalTool.RunAsync(promtool, arguments, why =>
            $"'{promtool}' could not be run ({why}): install Debian's prometheus package (apt-get install prometheus, which .ci/run does) or set {Variable} to a promtool.",
            Folder);
        var text = result.Output + result.Error;
        output.WriteLine($"{promtool} {string.Join(' ', arguments)}:\n{text}");
        Assert.True(result.ExitCode == 0, $"promtool {string.Join(' ', arguments)} exited {result.ExitCode}:\n{text}");
        return text;
    }
}
