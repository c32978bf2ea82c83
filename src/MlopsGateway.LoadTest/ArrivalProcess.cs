namespace MlopsGateway.LoadTest;

/// <summary>How an open loop spaces its requests.</summary>
public enum ArrivalProcess
{
    /// <summary>Evenly: request i is due at i / rate.</summary>
    Constant,

    /// <summary>
    /// As independent callers would: exponentially distributed gaps with mean 1 / rate, so requests
    /// sometimes bunch up, as real traffic does.
    /// </summary>
    Poisson,
}
