using System.Globalization;

namespace MlopsGateway.Registry;

/// <summary>How versions sort: numerically where both are numbers, ordinally otherwise; the latest is the highest.</summary>
public static class VersionOrder
{
    /// <summary>Compares two version names.</summary>
    public static int Compare(string a, string b)
    {
        var aNumeric = long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var x);
        var bNumeric = long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var y);
        return (aNumeric, bNumeric) switch
        {
            (true, true) => x.CompareTo(y),
            // Numbered versions sort after named ones, so the latest is the highest number.
            (true, false) => 1,
            (false, true) => -1,
            _ => string.CompareOrdinal(a, b),
        };
    }

    /// <summary>A comparer over <see cref="Compare"/>.</summary>
    public static IComparer<string> Comparer { get; } = Comparer<string>.Create(Compare);
}
