namespace MlopsGateway.Monitoring.Quality;

/// <summary>Evaluates one model version's drift and accuracy over the windows ending at a time.</summary>
public interface IMonitorReportSource
{
    /// <summary>
    /// The report of <paramref name="model"/> <paramref name="version"/> over the windows ending at
    /// <paramref name="at"/>; null when the version has no baseline and recorded no predictions (nothing to say).
    /// </summary>
    Task<MonitorReport?> EvaluateAsync(string model, string version, DateTimeOffset at, CancellationToken cancellationToken = default);
}
