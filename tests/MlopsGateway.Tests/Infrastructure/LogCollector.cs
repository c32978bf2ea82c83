using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>Collects every log entry of the servers under test, so a test can fail on unexpected errors.</summary>
public sealed class LogCollector : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, LogLevel Level, EventId Event, string Message)> _entries = new();

    public IReadOnlyCollection<(string Category, LogLevel Level, EventId Event, string Message)> Entries => _entries;

    /// <summary>Entries at Error or above.</summary>
    public IEnumerable<string> Errors =>
        _entries.Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.Category} [{e.Event.Name}] {e.Message}");

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

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._entries.Enqueue((category, logLevel, eventId, formatter(state, exception) + (exception is null ? "" : " " + exception.Message)));
    }
}
