using Xunit.Sdk;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// Fails the test when a server it watches logged, while the scope was open, an entry at or above
/// that collector's <see cref="LogCollector.FailLevel"/> that the test did not declare expected (the
/// idea of grpc-dotnet's VerifyNoErrorsScope and its expected-errors filter). Entries logged before a
/// collector is watched, by another test on a shared fixture say, are not this test's.
/// </summary>
public sealed class VerifyNoErrorsScope : IDisposable
{
    // Expected in every test: a stopping worker fails its health checks by design while it drains (the
    // health check service logs each failure as an error), and what depends on the machine: a worker
    // without a GPU says it runs on CPU, and a busy one answers a health probe too late.
    private static readonly Func<LogEntry, bool>[] s_anywhere =
    [
        e => e.Event.Name == "HealthCheckEnd" && e.Message.Contains("draining: the worker is stopping", StringComparison.Ordinal),
        e => e.Event.Name == "CudaUnavailable",
        e => e.Event.Name == "DestinationActiveProbingFailed" && e.Message.EndsWith("The operation was canceled.", StringComparison.Ordinal),
    ];

    private readonly List<(LogCollector Collector, int From)> _watched = [];
    private readonly List<(LogCollector? From, Func<LogEntry, bool> Filter)> _expected = [];
    private bool _disposed;

    public VerifyNoErrorsScope(params LogCollector[] collectors)
    {
        foreach (var anywhere in s_anywhere)
        {
            Expect(anywhere);
        }
        foreach (var collector in collectors)
        {
            Watch(collector);
        }
    }

    /// <summary>Checks what <paramref name="collector"/> logs from now on; returns it.</summary>
    public LogCollector Watch(LogCollector collector)
    {
        lock (_watched)
        {
            _watched.Add((collector, collector.Count));
        }
        return collector;
    }

    /// <summary>
    /// Declares the entries <paramref name="filter"/> accepts expected (from <paramref name="from"/>
    /// only, when given): they do not fail the test.
    /// </summary>
    public void Expect(Func<LogEntry, bool> filter, LogCollector? from = null)
    {
        lock (_expected)
        {
            _expected.Add((from, filter));
        }
    }

    /// <summary>Entries logged so far at or above their collector's fail level and not expected.</summary>
    public IReadOnlyList<LogEntry> Unexpected()
    {
        (LogCollector Collector, int From)[] watched;
        (LogCollector? From, Func<LogEntry, bool> Filter)[] expected;
        lock (_watched)
        {
            watched = [.. _watched];
        }
        lock (_expected)
        {
            expected = [.. _expected];
        }
        return [.. watched.SelectMany(w => w.Collector.After(w.From).Where(e => e.Level >= w.Collector.FailLevel
            && !expected.Any(x => (x.From is null || x.From == w.Collector) && x.Filter(e))))];
    }

    /// <summary>Throws, failing the test, when anything unexpected was logged.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        var unexpected = Unexpected();
        if (unexpected.Count > 0)
        {
            throw new XunitException($"The servers logged {unexpected.Count} unexpected entries during the test:"
                + string.Concat(unexpected.Select(e => Environment.NewLine + "  " + e)));
        }
    }
}
