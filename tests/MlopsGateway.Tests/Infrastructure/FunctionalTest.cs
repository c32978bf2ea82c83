namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// The base of every functional test class: xUnit makes one instance per test and disposes it when
/// the test ends, which closes a <see cref="VerifyNoErrorsScope"/> over the servers' logs, so a test
/// fails on an error (or a warning, where the fixture's collector says so) that it did not expect.
/// </summary>
public abstract class FunctionalTest : IDisposable
{
    /// <param name="collectors">The shared fixture's logs; a test's own servers' logs join with <see cref="Watch"/>.</param>
    protected FunctionalTest(params LogCollector[] collectors)
    {
        Logs = new VerifyNoErrorsScope(collectors);
    }

    /// <summary>This test's scope over the logs.</summary>
    protected VerifyNoErrorsScope Logs { get; }

    /// <summary>A new collector for a server of this test's own, checked with the rest.</summary>
    protected LogCollector NewLogs() => Logs.Watch(new LogCollector());

    /// <summary>Checks what <paramref name="collector"/> logs from now on; returns it.</summary>
    protected LogCollector Watch(LogCollector collector) => Logs.Watch(collector);

    /// <summary>Declares the entries <paramref name="filter"/> accepts (from <paramref name="from"/> only, when given) expected in this test.</summary>
    protected void ExpectLogs(Func<LogEntry, bool> filter, LogCollector? from = null) => Logs.Expect(filter, from);

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Logs.Dispose();
        }
    }
}
