using System.Text.Json;
using System.Text.RegularExpressions;
using MlopsGateway.LoadTest;
using MlopsGateway.Tests.Browser;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Tests.Deploy;

/// <summary>
/// <c>deploy/grafana/mlops-gateway.json</c>: a dashboard Grafana can import (panels laid on its grid,
/// every query on the datasource variable), and every series it queries, with the labels it groups
/// and filters by, on the real /metrics pages of a gateway and a worker after traffic and labels.
/// </summary>
public sealed partial class GrafanaDashboardTests(SampleStackFixture stack) : IClassFixture<SampleStackFixture>
{
    private static readonly string s_path = Path.Combine(KustomizeRenders.RepositoryRoot, "deploy", "grafana", "mlops-gateway.json");

    private static readonly HashSet<string> s_panelTypes = new(StringComparer.Ordinal) { "row", "timeseries", "state-timeline", "stat", "heatmap", "table", "bargauge" };

    [Fact]
    public void Dashboard_Json_APanelledDashboardOnTheDatasourceVariable()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(s_path));
        var root = document.RootElement;

        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("title").GetString()));
        Assert.Matches("^[a-z0-9-]{1,40}$", root.GetProperty("uid").GetString());
        Assert.True(root.GetProperty("schemaVersion").GetInt32() >= 36, "schemaVersion below 36: Grafana 9+ migrates it on import");
        var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray().ToArray();
        var datasource = Assert.Single(variables, v => v.GetProperty("type").GetString() == "datasource");
        Assert.Equal(("datasource", "prometheus"), (datasource.GetProperty("name").GetString(), datasource.GetProperty("query").GetString()));
        foreach (var variable in variables.Where(v => v.GetProperty("type").GetString() == "query"))
        {
            Assert.Equal("${datasource}", variable.GetProperty("datasource").GetProperty("uid").GetString());
        }

        var panels = root.GetProperty("panels").EnumerateArray().ToArray();
        Assert.Equal(panels.Length, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        var cells = new HashSet<(int, int)>();
        foreach (var panel in panels)
        {
            var title = panel.GetProperty("title").GetString();
            Assert.Contains(panel.GetProperty("type").GetString()!, s_panelTypes);
            var grid = panel.GetProperty("gridPos");
            var (x, y, w, h) = (grid.GetProperty("x").GetInt32(), grid.GetProperty("y").GetInt32(), grid.GetProperty("w").GetInt32(), grid.GetProperty("h").GetInt32());
            Assert.True(x >= 0 && w > 0 && x + w <= 24 && y >= 0 && h > 0, $"'{title}' is off Grafana's 24-column grid");
            for (var i = x; i < x + w; i++)
            {
                for (var j = y; j < y + h; j++)
                {
                    Assert.True(cells.Add((i, j)), $"'{title}' overlaps another panel at ({i}, {j})");
                }
            }
            if (panel.GetProperty("type").GetString() == "row")
            {
                continue;
            }
            Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            var targets = panel.GetProperty("targets").EnumerateArray().ToArray();
            Assert.NotEmpty(targets);
            Assert.Equal(targets.Length, targets.Select(t => t.GetProperty("refId").GetString()).Distinct().Count());
            foreach (var target in targets)
            {
                Assert.Equal("${datasource}", target.GetProperty("datasource").GetProperty("uid").GetString());
                var expr = target.GetProperty("expr").GetString()!;
                Assert.True(Balanced(expr), $"'{title}': unbalanced brackets in {expr}");
            }
        }
        // What issue 25 asks the dashboard to show.
        var queried = Queries().SelectMany(q => Metrics(q.Expr)).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(new HashSet<string>(StringComparer.Ordinal)
        {
            "mlops_gateway_requests_total", "mlops_gateway_request_duration_seconds_bucket", "mlops_worker_request_duration_seconds_bucket",
            "mlops_worker_batch_size_bucket", "mlops_model_drift_score", "mlops_model_drift_detected", "mlops_model_accuracy", "mlops_model_label_coverage",
        }, queried);
    }

    [Fact]
    public async Task Dashboard_EveryQuery_ItsSeriesAndLabelsOnTheRealMetricsPages()
    {
        using var http = new HttpClient();
        var page = PrometheusText.Parse(await http.GetStringAsync(stack.MetricsAddresses.Gateway + "/metrics"))
            .Concat(PrometheusText.Parse(await http.GetStringAsync(stack.MetricsAddresses.Worker + "/metrics")))
            .Where(s => s.Label("model") is "" or SampleModels.Propensity)
            .GroupBy(s => s.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);

        var queries = Queries();
        Assert.NotEmpty(queries);
        foreach (var (title, expr) in queries)
        {
            var metrics = Metrics(expr).ToArray();
            Assert.True(metrics.Length > 0, $"'{title}' queries no mlops_ series: {expr}");
            foreach (var metric in metrics)
            {
                Assert.True(page.TryGetValue(metric, out var series), $"'{title}' queries {metric}, which neither /metrics page has (names there: {string.Join(", ", page.Keys.Where(k => k.StartsWith("mlops_", StringComparison.Ordinal)).Order())})");
                foreach (var label in GroupedBy(expr))
                {
                    Assert.True(series.Any(s => s.Labels.ContainsKey(label)), $"'{title}' groups {metric} by '{label}', a label it does not carry");
                }
                foreach (var (label, op, value) in Matchers(expr, metric))
                {
                    Assert.True(series.Any(s => s.Labels.ContainsKey(label)), $"'{title}' filters {metric} on '{label}', a label it does not carry");
                    if (!value.Contains('$', StringComparison.Ordinal) && op is "=" or "=~")
                    {
                        var pattern = new Regex($"^(?:{value})$");
                        Assert.True(series.Any(s => pattern.IsMatch(s.Label(label))), $"'{title}': no {metric} series has {label}{op}\"{value}\"");
                    }
                }
            }
        }
        // The fixture's traffic and labels reach every version-labelled figure of both versions.
        foreach (var metric in new[] { "mlops_worker_batch_size_bucket", "mlops_model_drift_score", "mlops_model_accuracy", "mlops_model_label_coverage" })
        {
            Assert.Equal(["1", "2"], page[metric].Select(s => s.Label("version")).Distinct().Order(StringComparer.Ordinal));
        }
    }

    /// <summary>Every query of the dashboard: the panels' expressions and the variables' label_values.</summary>
    private static List<(string Title, string Expr)> Queries()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(s_path));
        var queries = new List<(string, string)>();
        foreach (var panel in document.RootElement.GetProperty("panels").EnumerateArray().Where(p => p.TryGetProperty("targets", out _)))
        {
            queries.AddRange(panel.GetProperty("targets").EnumerateArray().Select(t => (panel.GetProperty("title").GetString()!, t.GetProperty("expr").GetString()!)));
        }
        foreach (var variable in document.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray().Where(v => v.GetProperty("type").GetString() == "query"))
        {
            var query = variable.GetProperty("query").GetProperty("query").GetString()!;
            var values = LabelValues().Match(query);
            Assert.True(values.Success, $"variable {variable.GetProperty("name")}: {query} is not label_values(SELECTOR, LABEL)");
            // label_values(m, l) asks for series of m carrying l: the same check as a panel grouping m by l.
            queries.Add(("$" + variable.GetProperty("name").GetString(), $"count by ({values.Groups[2].Value}) ({values.Groups[1].Value})"));
        }
        return queries;
    }

    private static IEnumerable<string> Metrics(string expr) => MetricName().Matches(expr).Select(m => m.Value).Distinct(StringComparer.Ordinal);

    private static IEnumerable<string> GroupedBy(string expr) =>
        By().Matches(expr).SelectMany(m => m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).Distinct(StringComparer.Ordinal);

    private static IEnumerable<(string Label, string Op, string Value)> Matchers(string expr, string metric)
    {
        foreach (Match selector in Regex.Matches(expr, Regex.Escape(metric) + @"\{([^}]*)\}"))
        {
            foreach (Match matcher in Matcher().Matches(selector.Groups[1].Value))
            {
                yield return (matcher.Groups[1].Value, matcher.Groups[2].Value, matcher.Groups[3].Value);
            }
        }
    }

    private static bool Balanced(string expr)
    {
        var open = new Stack<char>();
        var inString = false;
        foreach (var c in expr)
        {
            if (c == '"')
            {
                inString = !inString;
            }
            else if (!inString && c is '(' or '{' or '[')
            {
                open.Push(c);
            }
            else if (!inString && c is ')' or '}' or ']' && (open.Count == 0 || open.Pop() != c switch { ')' => '(', '}' => '{', _ => '[' }))
            {
                return false;
            }
        }
        return open.Count == 0 && !inString;
    }

    [GeneratedRegex(@"\b(?:mlops|dotnet)_[a-z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"\bby\s*\(([^)]*)\)")]
    private static partial Regex By();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*""([^""]*)""")]
    private static partial Regex Matcher();

    [GeneratedRegex(@"^label_values\((.+),\s*([a-z_]+)\)$")]
    private static partial Regex LabelValues();
}
