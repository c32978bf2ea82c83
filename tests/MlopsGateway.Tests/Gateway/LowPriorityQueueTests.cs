using System.Globalization;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Internal;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Gateway;

public class LowPriorityQueueTests
{
    public static TheoryData<ShadowPriority, string, int, int> Priorities => new()
    {
        // What the queue reports, and the thread's scheduling policy and nice value as the kernel
        // shows them (it shows a SCHED_IDLE thread's nice value as whatever it was: 0 here).
        { ShadowPriority.Idle, "SCHED_IDLE", 5, 0 },
        { ShadowPriority.Low, "nice 19", 0, 19 },
    };

    [Theory]
    [MemberData(nameof(Priorities))]
    public async Task Post_OnLinux_RunsOnAThreadTheKernelShowsAtThatPriority(ShadowPriority priority, string granted, int policy, int nice)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;   // Thread policies are read from /proc; CI runs on Linux.
        }
        using var queue = new LowPriorityQueue("test-shadow", priority);
        var stat = new TaskCompletionSource<(string?, string)>(TaskCreationOptions.RunContinuationsAsynchronously);

        queue.Post(() => stat.SetResult((Thread.CurrentThread.Name, File.ReadAllText("/proc/thread-self/stat"))));
        var (name, text) = await stat.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(granted, queue.Granted);
        Assert.Equal("test-shadow", name);
        Assert.Equal((policy, nice), PolicyAndNice(text));
    }

    [Fact]
    public async Task Post_ManyItems_RunInTheOrderPosted()
    {
        using var queue = new LowPriorityQueue("test-shadow", ShadowPriority.Idle);
        var seen = new List<int>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        for (var i = 0; i < 1_000; i++)
        {
            var n = i;
            queue.Post(() => seen.Add(n));
        }
        queue.Post(() => done.SetResult());
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(Enumerable.Range(0, 1_000), seen);
    }

    [Fact]
    public async Task Post_FromManyThreadsInBurstsAndPauses_EveryItemRunsOnce()
    {
        using var queue = new LowPriorityQueue("test-shadow", ShadowPriority.Idle);
        var ran = 0;

        // Pauses let the thread fall asleep between bursts, so posts race with it going to sleep.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var burst = 0; burst < 50; burst++)
            {
                for (var i = 0; i < 100; i++)
                {
                    queue.Post(() => Interlocked.Increment(ref ran));
                }
                await Task.Delay(burst % 5);
            }
        })));

        await Wait.UntilAsync(() => Task.FromResult(Volatile.Read(ref ran) == 4 * 50 * 100));
        await Task.Delay(100);
        Assert.Equal(4 * 50 * 100, Volatile.Read(ref ran));
    }

    [Fact]
    public void Post_AfterDispose_RunsOnTheCallingThread()
    {
        var queue = new LowPriorityQueue("test-shadow", ShadowPriority.Idle);
        queue.Dispose();
        var thread = -1;

        queue.Post(() => thread = Environment.CurrentManagedThreadId);

        Assert.Equal(Environment.CurrentManagedThreadId, thread);
    }

    /// <summary>
    /// Threads of this process below normal priority (SCHED_IDLE or a positive nice value), by name.
    /// Only queues' own threads may be: one created from such a thread would inherit its priority.
    /// </summary>
    internal static List<string> LowPriorityThreads()
    {
        var low = new List<string>();
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (PolicyAndNice(File.ReadAllText(Path.Combine(task, "stat"))) is not (0, 0))
                {
                    low.Add(File.ReadAllText(Path.Combine(task, "comm")).Trim());
                }
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }
        return low;
    }

    /// <summary>Policy (field 41) and nice value (field 19) from a <c>/proc/.../stat</c> line.</summary>
    private static (int Policy, int Nice) PolicyAndNice(string stat)
    {
        // Fields after the parenthesised name, which may hold spaces: the state is field 3.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (int.Parse(fields[41 - 3], CultureInfo.InvariantCulture), int.Parse(fields[19 - 3], CultureInfo.InvariantCulture));
    }
}
