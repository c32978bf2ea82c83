namespace MlopsGateway.Monitoring.Drift;

/// <summary>The four measures of one window's bins against a baseline's, or the thresholds they are held to.</summary>
internal readonly record struct BinScores(double Psi, double JensenShannon, double KolmogorovSmirnov, double ChiSquare)
{
    public double Of(DriftMethod method) => method switch
    {
        DriftMethod.Psi => Psi,
        DriftMethod.JensenShannon => JensenShannon,
        DriftMethod.KolmogorovSmirnov => KolmogorovSmirnov,
        DriftMethod.ChiSquare => ChiSquare,
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "not a drift method"),
    };
}
