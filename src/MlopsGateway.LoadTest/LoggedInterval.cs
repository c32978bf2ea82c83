using Grpc.Core;
using HdrHistogram;

namespace MlopsGateway.LoadTest;

/// <summary>One histogram of an <see cref="AgentLog"/>: one interval's successful or failed latencies.</summary>
/// <param name="Level">Index of the level.</param>
/// <param name="Warmup">Whether it belongs to the level's warm-up.</param>
/// <param name="Status">OK for the successes, else the status these requests failed with.</param>
/// <param name="Message">For a failing status, the first message seen.</param>
/// <param name="Start">When the interval began.</param>
/// <param name="End">When it ended.</param>
/// <param name="Latencies">The latencies, in microseconds.</param>
public sealed record LoggedInterval(
    int Level, bool Warmup, StatusCode Status, string Message, DateTimeOffset Start, DateTimeOffset End, HistogramBase Latencies);
