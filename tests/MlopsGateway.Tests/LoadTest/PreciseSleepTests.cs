using System.Diagnostics;
using MlopsGateway.LoadTest.Internal;

namespace MlopsGateway.Tests.LoadTest;

public class PreciseSleepTests
{
    [Fact]
    public void Until_FutureTimestamps_NeverReturnsBeforeTheDueTime()
    {
        for (var i = 0; i < 20; i++)
        {
            var due = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * (i + 1) / 2000); // 0.5 ms .. 10 ms ahead

            PreciseSleep.Until(due, CancellationToken.None);

            Assert.True(Stopwatch.GetTimestamp() >= due);
        }
    }

    [Fact]
    public async Task Until_CancelledWhileSleeping_ThrowsInsteadOfWaitingAnHour()
    {
        using var cancel = new CancellationTokenSource();
        cancel.CancelAfter(TimeSpan.FromMilliseconds(100));
        var due = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 3600);

        var task = Task.Run(() => PreciseSleep.Until(due, cancel.Token));

        // Bounded so a sleep that ignored the token fails the test instead of hanging the suite.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
