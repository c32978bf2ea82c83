namespace MlopsGateway.Monitoring.Drift;

/// <summary>The short names methods and states print as, in tables and in metric labels.</summary>
public static class DriftLabels
{
    /// <summary><c>psi</c>, <c>js</c>, <c>ks</c> or <c>chi2</c>.</summary>
    public static string ToLabel(this DriftMethod method) => method switch
    {
        DriftMethod.Psi => "psi",
        DriftMethod.JensenShannon => "js",
        DriftMethod.KolmogorovSmirnov => "ks",
        DriftMethod.ChiSquare => "chi2",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "not a drift method"),
    };

    /// <summary><c>ok</c>, <c>drift</c> or <c>insufficient</c>.</summary>
    public static string ToLabel(this DriftState state) => state switch
    {
        DriftState.Ok => "ok",
        DriftState.Drift => "drift",
        DriftState.Insufficient => "insufficient",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "not a drift state"),
    };
}
