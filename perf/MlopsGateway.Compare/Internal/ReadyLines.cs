using System.Text.RegularExpressions;

namespace MlopsGateway.Compare.Internal;

/// <summary>The lines servers print once they listen, with the addresses they chose.</summary>
internal static partial class ReadyLines
{
    /// <summary>The worker's: group 1 its address, group 2 its metrics address.</summary>
    [GeneratedRegex(@"Worker listening on (\S+) \(metrics: (\S+)\)")]
    public static partial Regex Worker();
}
