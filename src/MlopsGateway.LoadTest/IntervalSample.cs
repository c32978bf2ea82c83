using Grpc.Core;
using HdrHistogram;

namespace MlopsGateway.LoadTest;

/// <summary>
/// One sample interval of one phase, as <see cref="LoadRunner.Interval"/> reports it: what
/// <c>--hdr-log</c> writes and <c>loadtest merge</c> adds up.
/// </summary>
/// <param name="Level">Index of the level running.</param>
/// <param name="Warmup">Whether the interval belongs to the level's warm-up.</param>
/// <param name="Start">When the interval began, on the run's wall clock (see <see cref="RequestOutcome.SentAt"/>).</param>
/// <param name="End">When it ended.</param>
/// <param name="Ok">Latencies of the requests that succeeded in it, in microseconds.</param>
/// <param name="Failures">Latencies of the requests that failed in it, by status; statuses with none are left out.</param>
/// <param name="Messages">The phase's first message of each failing status so far.</param>
public sealed record IntervalSample(
    int Level, bool Warmup, DateTimeOffset Start, DateTimeOffset End, HistogramBase Ok,
    IReadOnlyDictionary<StatusCode, HistogramBase> Failures, IReadOnlyDictionary<StatusCode, string> Messages);
