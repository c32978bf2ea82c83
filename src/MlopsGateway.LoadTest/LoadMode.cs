namespace MlopsGateway.LoadTest;

/// <summary>How load is offered.</summary>
public enum LoadMode
{
    /// <summary>A fixed number of callers, each sending its next request when the last one is answered.</summary>
    Closed,

    /// <summary>Requests sent on a schedule whatever the server does; latency counts from the scheduled time.</summary>
    Open,
}
