using Grpc.Core;

namespace MlopsGateway.LoadTest;

/// <summary>One completed request, as <see cref="LoadRunner.Completed"/> reports it.</summary>
/// <param name="Level">Index of the level it belongs to.</param>
/// <param name="Warmup">Whether it was sent during the level's warm-up (not counted in the results).</param>
/// <param name="LatencyMicroseconds">
/// Microseconds from its intended send time (open loop) or its send time (closed loop) to its answer:
/// exactly the value recorded in the level's histogram when it succeeded.
/// </param>
/// <param name="Status">OK, or the gRPC status it failed with.</param>
/// <param name="SentAt">
/// When it was due (open loop) or sent (closed loop), on the wall clock read once when the run
/// started and advanced by the run's monotonic clock since, so that times within a run never jump.
/// </param>
public readonly record struct RequestOutcome(int Level, bool Warmup, long LatencyMicroseconds, StatusCode Status, DateTimeOffset SentAt);
