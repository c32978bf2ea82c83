namespace MlopsGateway.Gateway;

/// <summary>The CPU priority at which the gateway compares shadow answers with the primary's and records them.</summary>
public enum ShadowPriority
{
    /// <summary>
    /// Only CPU that nothing else wants (Linux <c>SCHED_IDLE</c>; nice 19 where that is refused). Under
    /// load that leaves no idle CPU, comparisons wait rather than slow the callers.
    /// </summary>
    Idle,

    /// <summary>The lowest nice value (19): a small share of the CPU even when the callers want it all.</summary>
    Low,

    /// <summary>As the callers' requests: on the thread that received the answer.</summary>
    Normal,
}
