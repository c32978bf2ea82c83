using System.Globalization;
using System.Text.Json.Serialization;

namespace MlopsGateway.LoadTest;

/// <summary>One rule checked against one level.</summary>
/// <param name="Rule">The objective.</param>
/// <param name="Level">The level checked.</param>
/// <param name="Actual">The level's value, in the rule's unit.</param>
/// <param name="Met">Whether the objective held.</param>
public sealed record SloOutcome(SloRule Rule, [property: JsonIgnore] LevelResult Level, double Actual, bool Met)
{
    /// <summary>The level's short name.</summary>
    public string LevelLabel => Level.Label;

    /// <summary>Checks every rule at every level, in rule order then level order.</summary>
    public static IReadOnlyList<SloOutcome> Evaluate(IEnumerable<SloRule> rules, IEnumerable<LevelResult> levels)
    {
        var outcomes = new List<SloOutcome>();
        foreach (var rule in rules)
        {
            foreach (var level in levels)
            {
                var actual = rule.Measure(level);
                // A latency objective says nothing when nothing succeeded; that is a miss, not a pass.
                var met = rule.IsMet(actual) && !(rule.IsLatency && level.Ok == 0);
                outcomes.Add(new SloOutcome(rule, level, actual, met));
            }
        }
        return outcomes;
    }

    /// <summary>What a person reads: which objective, where, what was measured and by how much it missed.</summary>
    public string Message
    {
        get
        {
            var where = $"{Rule.Text} at {Level.Label}";
            if (Met)
            {
                return $"SLO met: {where}: {Rule.FormatValue(Actual)}.";
            }
            if (Rule.IsLatency && Level.Ok == 0)
            {
                return $"SLO missed: {where}: no request succeeded ({Level.Errors} failed), so there is no latency to meet it.";
            }
            var gap = Math.Abs(Actual - Rule.Threshold);
            var relative = Rule.Threshold == 0 ? "" : $" ({(gap / Math.Abs(Rule.Threshold) * 100).ToString("0.#", CultureInfo.InvariantCulture)}%)";
            var direction = Rule.Comparison.StartsWith('<') ? "over" : Rule.Comparison.StartsWith('>') ? "under" : "off";
            return $"SLO missed: {where}: measured {Rule.FormatValue(Actual)}, {Rule.FormatValue(gap)}{relative} {direction} the limit of {Rule.FormatValue(Rule.Threshold)}.";
        }
    }
}
