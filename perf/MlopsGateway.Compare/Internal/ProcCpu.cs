using System.Globalization;

namespace MlopsGateway.Compare.Internal;

/// <summary>CPU time of processes from /proc/PID/stat (user + system), children optional.</summary>
internal static class ProcCpu
{
    // USER_HZ: the kernel's tick for /proc times, 100 on every mainstream Linux build.
    private const double TicksPerSecond = 100;

    /// <summary>CPU seconds used so far by <paramref name="pid"/>, plus its direct children when asked (nginx's workers).</summary>
    public static double Seconds(int pid, bool withChildren = false)
    {
        var total = Read(pid)?.Seconds ?? 0;
        if (withChildren)
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(dir), out var child) && child != pid && Read(child) is { } stat && stat.ParentPid == pid)
                {
                    total += stat.Seconds;
                }
            }
        }
        return total;
    }

    private static (int ParentPid, double Seconds)? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // The command name (field 2) is in parentheses and may hold spaces; fields after it are plain.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (parent, ticks / TicksPerSecond);
    }
}
