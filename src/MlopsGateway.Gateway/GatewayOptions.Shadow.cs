namespace MlopsGateway.Gateway;

// Shadow settings: copies of sampled requests sent to a shadow version.
public sealed partial class GatewayOptions
{
    /// <summary>
    /// Shadow copies in flight at most (queued in a gather window, sent, or waiting for their
    /// comparison); a copy beyond it is dropped and counted as <c>saturated</c>. Large enough that a
    /// cold shadow path (its connection opening, its code compiling) does not drop copies at a few
    /// hundred a second; memory is bounded by <see cref="MaxShadowBytesInFlight"/>.
    /// </summary>
    public int MaxShadowConcurrency { get; set; } = 1024;

    /// <summary>
    /// Bytes of shadow copies held at most: each copy's request and the primary's answer it is
    /// compared with. A copy that arrives while this much is held is dropped and counted as
    /// <c>saturated</c>. The total may pass it by a copy (at most twice <see cref="MaxShadowMessageBytes"/>)
    /// for each copy that arrives at the same moment.
    /// </summary>
    public long MaxShadowBytesInFlight { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Largest request (and primary answer) copied to a shadow, in bytes; larger ones are not shadowed.
    /// By default the most bytes of copies merged into one message.
    /// </summary>
    public int MaxShadowMessageBytes { get; set; } = Shadow.ShadowBatch.MaxBytes;

    /// <summary>Longest a shadow call may take before it is abandoned (and counted as failed).</summary>
    public TimeSpan ShadowTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a copy may wait for others bound for the same worker, so that they go out together
    /// (merged into one request where they differ only in their rows): the worker then runs them as
    /// one batch and answers them in one message. The window ends early once 32 copies wait (a full
    /// message of one-row copies). At a few hundred copies a second, a message per copy cost the worker
    /// several times the copy's own work. Zero sends each copy at once and alone, never merged. Callers never wait for it.
    /// </summary>
    public TimeSpan ShadowGatherWindow { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Percent of the CPU (the container's limit, or the machine's cores) above which shadow copies
    /// yield to callers: while the CPU stays above it, the share of sampled copies sent halves every
    /// 250 ms, and the rest are dropped and counted as <c>busy</c>; once it is at or below, the share
    /// climbs back to all of them within about 2 s. A saturated gateway then spends its CPU on callers,
    /// not copies. 100 never yields.
    /// </summary>
    public double ShadowCpuLimit { get; set; } = 90;
}
