using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>One entry a server under test logged.</summary>
public sealed record LogEntry(string Category, LogLevel Level, EventId Event, string Message)
{
    public override string ToString() => $"{Level} {Category} [{Event.Name}] {Message}";
}

/// <summary>
/// Collects every log entry of the servers under test, in the order logged; a
/// <see cref="VerifyNoErrorsScope"/> over it fails a test on the entries it did not expect.
/// </summary>
public sealed class LogCollector : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    /// <summary>
    /// The lowest level a test fails on when it logs an entry it did not expect: Error unless the
    /// fixture asks for Warning too (its servers should run warning-free).
    /// </summary>
    public LogLevel FailLevel { get; init; } = LogLevel.Error;

    public IReadOnlyCollection<LogEntry> Entries => _entries;

    /// <summary>Entries below this level are dropped (a long run keeps only what could fail it).</summary>
    public LogLevel MinimumLevel { get; set; } = LogLevel.Debug;

    /// <summary>How many entries have been logged so far.</summary>
    public int Count => _entries.Count;

    /// <summary>Entries at Error or above.</summary>
    public IEnumerable<string> Errors => _entries.Where(e => e.Level >= LogLevel.Error).Select(e => e.ToString());

    /// <summary>The entries logged after the first <paramref name="count"/> (a <see cref="Count"/> read earlier).</summary>
    public IEnumerable<LogEntry> After(int count) => _entries.Skip(count);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    /// <summary>Logging setup for a host: this collector only, everything from Debug.</summary>
    public void Configure(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Debug);
        logging.AddProvider(this);
    }

    private sealed class Logger(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner.MinimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel < owner.MinimumLevel)
            {
                return;
            }
            owner._entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception) + (exception is null ? "" : " " + exception.Message)));
        }
    }
}
