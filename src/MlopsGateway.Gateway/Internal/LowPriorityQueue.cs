using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace MlopsGateway.Gateway.Internal;

/// <summary>
/// Runs work nobody waits for on one thread of its own at a CPU priority below the callers'
/// requests, so that it takes only CPU the callers leave and never holds a core they want.
/// </summary>
/// <remarks>
/// Only for self-contained computing (parsing, comparing, recording metrics): nothing posted here may
/// complete a task, write to a channel or queue thread-pool work. A thread inherits the policy and nice
/// value of the thread that creates it, and the thread pool creates a worker on the thread that asks
/// for one; a worker created from here would serve callers at this priority, for good, since an
/// unprivileged process cannot raise a thread's priority again. Waking the thread uses a semaphore,
/// never the thread pool.
/// </remarks>
internal sealed partial class LowPriorityQueue : IDisposable
{
    private const int SchedIdle = 5;
    private const int PrioProcess = 0;
    private const int LowestNice = 19;

    private readonly ConcurrentQueue<Action> _work = new();
    // Released to wake the thread; only a post that finds the thread asleep releases it, so a burst
    // of posts costs one wake-up and posting takes no lock the thread may hold.
    private readonly SemaphoreSlim _wake = new(0);
    private int _asleep;
    private volatile bool _disposed;

    /// <param name="name">The thread's name, as <c>top -H</c> shows it (at most 15 characters there).</param>
    /// <param name="priority">What to ask the operating system for; not <see cref="ShadowPriority.Normal"/>.</param>
    public LowPriorityQueue(string name, ShadowPriority priority)
    {
        using var started = new ManualResetEventSlim();
        var granted = "";
        new Thread(() =>
        {
            granted = Lower(priority);
            started.Set();
            Run();
        }) { IsBackground = true, Name = name }.Start();
        started.Wait();
        Granted = granted;
    }

    /// <summary>What the operating system granted the thread, e.g. <c>SCHED_IDLE</c>.</summary>
    public string Granted { get; }

    /// <summary>Queues <paramref name="work"/>; once disposed, runs it on the calling thread instead.</summary>
    public void Post(Action work)
    {
        _work.Enqueue(work);
        if (_disposed)
        {
            // The thread may have ended: nothing queued is left behind.
            Drain();
        }
        else if (Interlocked.Exchange(ref _asleep, 0) == 1)
        {
            _wake.Release();
        }
    }

    /// <summary>Lets the thread finish what is queued, then end.</summary>
    public void Dispose()
    {
        _disposed = true;
        _wake.Release();
    }

    private void Run()
    {
        while (true)
        {
            Drain();
            if (_disposed)
            {
                return;
            }
            Interlocked.Exchange(ref _asleep, 1);
            if (!_work.IsEmpty || _disposed)
            {
                // Posted meanwhile; a release it may have made only wakes the thread once more later.
                Volatile.Write(ref _asleep, 0);
                continue;
            }
            _wake.Wait();
        }
    }

    private void Drain()
    {
        while (_work.TryDequeue(out var work))
        {
            work();
        }
    }

    /// <summary>Lowers the calling thread's priority; says what was granted.</summary>
    private static string Lower(ShadowPriority priority)
    {
        if (!OperatingSystem.IsLinux())
        {
            // Elsewhere the runtime's thread priority is the nearest thing (macOS ignores it).
            Thread.CurrentThread.Priority = ThreadPriority.Lowest;
            return "lowest thread";
        }
        // On Linux the policy and the nice value belong to the thread, not to the process.
        var param = 0;
        if (priority == ShadowPriority.Idle && SchedSetScheduler(0, SchedIdle, ref param) == 0)
        {
            return "SCHED_IDLE";
        }
        return SetPriority(PrioProcess, 0, LowestNice) == 0
            ? "nice 19"
            : $"normal (the system refused a lower one: errno {Marshal.GetLastPInvokeError()})";
    }

    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static partial int SchedSetScheduler(int pid, int policy, ref int param);

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);
}
