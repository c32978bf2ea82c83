using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MlopsGateway.LoadTest.Internal;

/// <summary>
/// Blocks the calling thread until a <see cref="Stopwatch"/> timestamp. On Linux and macOS through
/// <c>nanosleep</c>, which wakes within about the kernel's timer slack (50 µs by default);
/// <c>Task.Delay</c> and <c>Thread.Sleep</c> work in whole milliseconds and, through the timer
/// queue and thread pool, wake one to two milliseconds late, which an open loop would count as
/// the server's latency. Elsewhere, whole milliseconds asleep and the rest yielding.
/// </summary>
internal static partial class PreciseSleep
{
    private static readonly bool s_nanosleep = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    /// <summary>Returns at or shortly after <paramref name="dueTimestamp"/>, or when cancelled.</summary>
    /// <exception cref="OperationCanceledException">Cancelled before the due time.</exception>
    public static void Until(long dueTimestamp, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), dueTimestamp);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }
            // Sleep in slices of at most 50 ms so that a cancellation is seen promptly.
            var slice = remaining < TimeSpan.FromMilliseconds(50) ? remaining : TimeSpan.FromMilliseconds(50);
            if (s_nanosleep)
            {
                var request = new Timespec { Seconds = 0, Nanoseconds = (nint)(slice.Ticks * 100) };
                _ = NanoSleep(in request, out _);
            }
            else if (slice >= TimeSpan.FromMilliseconds(1))
            {
                Thread.Sleep((int)slice.TotalMilliseconds);
            }
            else
            {
                Thread.Yield();
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }

    // An interrupted sleep (EINTR) returns early; the loop above sleeps again for what is left.
    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int NanoSleep(in Timespec request, out Timespec remaining);
}
