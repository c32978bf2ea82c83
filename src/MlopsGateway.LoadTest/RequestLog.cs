using System.Globalization;
using System.Text;

namespace MlopsGateway.LoadTest;

/// <summary>
/// Every completed request as one tab-separated line, for analysis beyond the report's percentiles
/// (latency against time, or against events outside the load tool): when it was due (open loop) or
/// sent (closed loop) in microseconds since the Unix epoch, its gRPC status code (0 is OK),
/// microseconds to its answer, its level's index, and <c>warmup</c> or <c>measured</c>. The first
/// three columns are laid out as h2load's <c>--log-file</c> (which has the HTTP status in the
/// second), so a script reading one reads the other.
/// </summary>
public sealed class RequestLog : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly Lock _lock = new();
    private IOException? _failure;

    /// <summary>Creates (or truncates) the file.</summary>
    /// <exception cref="IOException">The file cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be written.</exception>
    public RequestLog(string path)
    {
        _writer = new StreamWriter(path, append: false, new UTF8Encoding(false), bufferSize: 1 << 16);
    }

    /// <summary>The first write that failed; lines after it were not written.</summary>
    public IOException? Failure => _failure;

    /// <summary>Appends one request; safe to call from any thread.</summary>
    public void Write(RequestOutcome outcome)
    {
        var sentAt = (outcome.SentAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{sentAt}\t{(int)outcome.Status}\t{outcome.LatencyMicroseconds}\t{outcome.Level}\t{(outcome.Warmup ? "warmup" : "measured")}");
        lock (_lock)
        {
            if (_failure is not null)
            {
                return;
            }
            try
            {
                _writer.WriteLine(line);
            }
            catch (IOException ex)
            {
                _failure = ex;
            }
        }
    }

    /// <summary>Flushes what is buffered and closes the file.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            try
            {
                _writer.Dispose();
            }
            catch (IOException ex)
            {
                _failure ??= ex;
            }
        }
    }
}
