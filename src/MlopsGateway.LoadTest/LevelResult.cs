using System.Text.Json.Serialization;
using HdrHistogram;

namespace MlopsGateway.LoadTest;

/// <summary>The measurement of one level (warm-up excluded).</summary>
public sealed record LevelResult
{
    /// <summary>Position of the level in the run.</summary>
    public required int Index { get; init; }

    /// <summary>Short name, e.g. <c>c=16</c> or <c>500/s poisson</c>.</summary>
    public required string Label { get; init; }

    /// <summary>Callers (closed loop) or intended requests per second (open loop).</summary>
    public required double Value { get; init; }

    /// <summary>Requests answered during the measurement, failed ones included.</summary>
    public required long Requests { get; init; }

    /// <summary>Requests answered with OK.</summary>
    public required long Ok { get; init; }

    /// <summary>Requests that failed.</summary>
    public long Errors => Requests - Ok;

    /// <summary>Failed share of <see cref="Requests"/>, 0 to 1.</summary>
    public double ErrorRate => Requests == 0 ? 0 : (double)Errors / Requests;

    /// <summary>Failed requests by gRPC status name.</summary>
    public required IReadOnlyDictionary<string, long> ErrorsByStatus { get; init; }

    /// <summary>The first message seen for each failing status, to tell a person why.</summary>
    public required IReadOnlyDictionary<string, string> ErrorMessages { get; init; }

    /// <summary>Requests sent during the warm-up before the measurement.</summary>
    public required long WarmupRequests { get; init; }

    /// <summary>Seconds from the first request sent to the last answer received.</summary>
    public required double DurationSeconds { get; init; }

    /// <summary>Successful answers per second.</summary>
    public double Throughput => DurationSeconds <= 0 ? 0 : Ok / DurationSeconds;

    /// <summary>Rows (batch entries) answered per second.</summary>
    public required double RowsPerSecond { get; init; }

    /// <summary>Latency of the successful answers, in milliseconds.</summary>
    public required LatencySummary Latency { get; init; }

    /// <summary>The worker's view of the same interval, when its metrics were scraped.</summary>
    public ServerSideStats? Server { get; init; }

    /// <summary>Every successful latency, in microseconds (not written to JSON).</summary>
    [JsonIgnore]
    public HistogramBase? Histogram { get; init; }
}
