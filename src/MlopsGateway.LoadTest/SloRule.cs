using System.Globalization;
using System.Text.RegularExpressions;

namespace MlopsGateway.LoadTest;

/// <summary>
/// One objective such as <c>p99&lt;50ms</c>, <c>errors&lt;0.1%</c>, <c>errors=0</c> or
/// <c>throughput&gt;=200</c>; it must hold at every measured level.
/// </summary>
/// <param name="Metric">What is constrained.</param>
/// <param name="Comparison">One of <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c>, <c>=</c>.</param>
/// <param name="Threshold">The limit, in the metric's unit: milliseconds, percent, a count, or requests per second.</param>
/// <param name="Text">The rule as written.</param>
public sealed partial record SloRule(SloMetric Metric, string Comparison, double Threshold, string Text)
{
    /// <summary>The syntax, for help and error messages.</summary>
    public const string Syntax =
        "comma-separated rules METRIC OP VALUE: p50|p90|p95|p99|p99.9|max|mean with a unit (us, ms, s), errors with % (rate) or without (count), throughput in requests/s; OP is <, <=, >, >= or =. Example: \"p99<50ms,errors<0.1%\".";

    /// <summary>Parses a comma-separated list of rules.</summary>
    /// <exception cref="FormatException">A rule cannot be read; the message says which and why.</exception>
    public static IReadOnlyList<SloRule> ParseList(string text)
    {
        var rules = new List<SloRule>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            rules.Add(Parse(part));
        }
        if (rules.Count == 0)
        {
            throw new FormatException($"--slo '{text}' holds no rule. Use {Syntax}");
        }
        return rules;
    }

    /// <summary>Parses one rule.</summary>
    /// <exception cref="FormatException">The rule cannot be read.</exception>
    public static SloRule Parse(string rule)
    {
        var match = RulePattern().Match(rule);
        if (!match.Success)
        {
            throw new FormatException($"SLO '{rule}' is not METRIC OP VALUE. Use {Syntax}");
        }
        var name = match.Groups["metric"].Value.ToLowerInvariant();
        var comparison = match.Groups["op"].Value == "==" ? "=" : match.Groups["op"].Value;
        var number = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        var unit = match.Groups["unit"].Value.Trim().ToLowerInvariant();
        SloMetric? latency = name switch
        {
            "p50" or "median" => SloMetric.P50,
            "p90" => SloMetric.P90,
            "p95" => SloMetric.P95,
            "p99" => SloMetric.P99,
            "p99.9" or "p999" => SloMetric.P999,
            "max" => SloMetric.Max,
            "mean" or "avg" => SloMetric.Mean,
            _ => null,
        };
        if (latency is not null)
        {
            double? scale = unit switch
            {
                "us" or "µs" => 1e-3,
                "ms" => 1,
                "s" => 1e3,
                _ => null,
            };
            return scale is null
                ? throw new FormatException($"SLO '{rule}': give the latency a unit, e.g. {name}{comparison}50ms (us, ms or s).")
                : new SloRule(latency.Value, comparison, number * scale.Value, rule);
        }
        return name switch
        {
            "errors" or "error" or "error_rate" when unit == "%" => new SloRule(SloMetric.ErrorRate, comparison, number, rule),
            "errors" or "error" when unit.Length == 0 => new SloRule(SloMetric.ErrorCount, comparison, number, rule),
            "throughput" or "rps" when unit is "" or "/s" or "rps" => new SloRule(SloMetric.Throughput, comparison, number, rule),
            "errors" or "error" or "error_rate" or "throughput" or "rps" =>
                throw new FormatException($"SLO '{rule}': '{unit}' is not a unit of {name}. Errors take % (a rate) or nothing (a count); throughput takes nothing or /s."),
            _ => throw new FormatException($"SLO '{rule}': unknown metric '{name}'. Use {Syntax}"),
        };
    }

    /// <summary>The level's value of <see cref="Metric"/>, in the rule's unit.</summary>
    public double Measure(LevelResult level) => Metric switch
    {
        SloMetric.P50 => level.Latency.P50,
        SloMetric.P90 => level.Latency.P90,
        SloMetric.P95 => level.Latency.P95,
        SloMetric.P99 => level.Latency.P99,
        SloMetric.P999 => level.Latency.P999,
        SloMetric.Max => level.Latency.Max,
        SloMetric.Mean => level.Latency.Mean,
        SloMetric.ErrorRate => level.ErrorRate * 100,
        SloMetric.ErrorCount => level.Errors,
        SloMetric.Throughput => level.Throughput,
        _ => throw new InvalidOperationException($"Unknown SLO metric {Metric}."),
    };

    /// <summary>Whether <paramref name="actual"/> satisfies the rule.</summary>
    public bool IsMet(double actual) => Comparison switch
    {
        "<" => actual < Threshold,
        "<=" => actual <= Threshold,
        ">" => actual > Threshold,
        ">=" => actual >= Threshold,
        _ => actual == Threshold,
    };

    /// <summary>Whether the metric is a latency (and so means nothing when no request succeeded).</summary>
    public bool IsLatency => Metric is not (SloMetric.ErrorRate or SloMetric.ErrorCount or SloMetric.Throughput);

    /// <summary>A value in the rule's unit, for messages: <c>73.20 ms</c>, <c>0.25%</c>, <c>12 errors</c>, <c>180.0 req/s</c>.</summary>
    public string FormatValue(double value) => Metric switch
    {
        SloMetric.ErrorRate => $"{value.ToString("0.###", CultureInfo.InvariantCulture)}%",
        SloMetric.ErrorCount => $"{value.ToString("0", CultureInfo.InvariantCulture)} errors",
        SloMetric.Throughput => $"{value.ToString("0.0", CultureInfo.InvariantCulture)} req/s",
        _ => $"{value.ToString("0.00", CultureInfo.InvariantCulture)} ms",
    };

    [GeneratedRegex(@"^\s*(?<metric>[A-Za-z_][A-Za-z0-9_.]*)\s*(?<op><=|>=|==|<|>|=)\s*(?<value>[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?)\s*(?<unit>%|/s|[A-Za-zµ]+)?\s*$")]
    private static partial Regex RulePattern();
}
