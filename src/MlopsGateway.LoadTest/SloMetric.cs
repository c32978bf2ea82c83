namespace MlopsGateway.LoadTest;

/// <summary>What a service-level objective constrains.</summary>
public enum SloMetric
{
    /// <summary>Median latency, in milliseconds.</summary>
    P50,

    /// <summary>90th percentile latency, in milliseconds.</summary>
    P90,

    /// <summary>95th percentile latency, in milliseconds.</summary>
    P95,

    /// <summary>99th percentile latency, in milliseconds.</summary>
    P99,

    /// <summary>99.9th percentile latency, in milliseconds.</summary>
    P999,

    /// <summary>Largest latency, in milliseconds.</summary>
    Max,

    /// <summary>Mean latency, in milliseconds.</summary>
    Mean,

    /// <summary>Failed requests as a percentage of all requests.</summary>
    ErrorRate,

    /// <summary>Failed requests, counted.</summary>
    ErrorCount,

    /// <summary>Successful answers per second.</summary>
    Throughput,
}
