using System.Globalization;

namespace MlopsGateway.Cli;

/// <summary>How a <see cref="FeatureShift"/> moves its feature's values.</summary>
internal enum ShiftKind
{
    /// <summary>Adds <see cref="FeatureShift.Amount"/> baseline standard deviations (<c>+1sd</c>).</summary>
    StdDevs,

    /// <summary>Adds <see cref="FeatureShift.Amount"/> (<c>+3</c>).</summary>
    Add,

    /// <summary>Multiplies by <see cref="FeatureShift.Amount"/> (<c>*1.2</c>).</summary>
    Scale,
}

/// <summary>
/// One <c>--shift</c>: a named feature of the traffic drawn from a baseline moved by standard
/// deviations (<c>visits_30d=+1sd</c>), by an amount (<c>+3</c>) or by a factor (<c>*1.2</c>), so that
/// drift is tried on data shaped like production's with one thing changed.
/// </summary>
internal sealed record FeatureShift(string Feature, ShiftKind Kind, double Amount)
{
    /// <summary>The forms a shift takes, for messages and help.</summary>
    public const string Syntax = "FEATURE=+1sd (standard deviations of the baseline, also -0.5sd), FEATURE=+3 (added), FEATURE=*1.2 (scaled); several comma-separated or the option repeated";

    /// <summary>The shift as given, e.g. <c>visits_30d=+1sd</c>.</summary>
    public override string ToString() => Kind switch
    {
        ShiftKind.StdDevs => $"{Feature}={Signed(Amount)}sd",
        ShiftKind.Add => $"{Feature}={Signed(Amount)}",
        _ => $"{Feature}=*{Amount.ToString("R", CultureInfo.InvariantCulture)}",
    };

    /// <summary>What is added to each value given the baseline's standard deviation (<see cref="ShiftKind.Scale"/>: nothing).</summary>
    public double Offset(double stdDev) => Kind switch
    {
        ShiftKind.StdDevs => Amount * stdDev,
        ShiftKind.Add => Amount,
        _ => 0,
    };

    /// <summary><paramref name="value"/> moved.</summary>
    public double Apply(double value, double stdDev) => Kind == ShiftKind.Scale ? value * Amount : value + Offset(stdDev);

    /// <summary>Reads every shift in <paramref name="texts"/> (each one or several comma-separated).</summary>
    /// <exception cref="FormatException">One is not a shift, or a feature is shifted twice; the message says which and how to write it.</exception>
    public static IReadOnlyList<FeatureShift> ParseList(IEnumerable<string> texts)
    {
        var shifts = new List<FeatureShift>();
        foreach (var part in texts.SelectMany(t => t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            var shift = Parse(part);
            if (shifts.Any(s => s.Feature == shift.Feature))
            {
                throw new FormatException($"--shift: feature '{shift.Feature}' is shifted twice; give one shift per feature.");
            }
            shifts.Add(shift);
        }
        return shifts;
    }

    /// <summary>Reads one shift, <c>FEATURE=+1sd</c>, <c>FEATURE=-3</c> or <c>FEATURE=*1.2</c>.</summary>
    /// <exception cref="FormatException">It is none of those.</exception>
    public static FeatureShift Parse(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var feature = equals < 0 ? "" : text[..equals].Trim();
        var change = equals < 0 ? "" : text[(equals + 1)..].Trim();
        if (feature.Length == 0 || change.Length == 0)
        {
            throw Refused(text, "expected FEATURE=CHANGE");
        }
        if (change[0] == '*')
        {
            return Number(change[1..]) is { } factor && factor >= 0
                ? new FeatureShift(feature, ShiftKind.Scale, factor)
                : throw Refused(text, "a scale is '*' and a factor of 0 or more, e.g. *1.2");
        }
        if (change[0] is not ('+' or '-'))
        {
            // A bare number could mean "set to" as well as "add": the sign says it is added.
            throw Refused(text, $"give the change a sign (+{change} or -{change}) to add it, 'sd' after it for standard deviations, or '*' before a factor");
        }
        var sd = change.EndsWith("sd", StringComparison.OrdinalIgnoreCase);
        return Number(sd ? change[..^2] : change) is { } amount
            ? new FeatureShift(feature, sd ? ShiftKind.StdDevs : ShiftKind.Add, amount)
            : throw Refused(text, "not a number");
    }

    private static double? Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;

    private static FormatException Refused(string text, string why) => new($"--shift '{text}': {why}. Forms: {Syntax}.");

    private static string Signed(double value) => (value >= 0 ? "+" : "") + value.ToString("R", CultureInfo.InvariantCulture);
}
