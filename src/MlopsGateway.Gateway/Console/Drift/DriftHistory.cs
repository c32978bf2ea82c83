using System.Collections.Concurrent;
using MlopsGateway.Gateway.Quality;
using MlopsGateway.Monitoring.Quality;

namespace MlopsGateway.Gateway.Console.Drift;

/// <summary>
/// The drift page's history: the monitoring loop's reports (<see cref="QualityMonitor.Evaluated"/>,
/// one per served version per evaluation) kept in memory for the last <see cref="Kept"/> evaluations,
/// so the page shows scores against thresholds, accuracy and coverage over time without scoring
/// anything again. Starts empty when the gateway starts; a gateway that does not monitor keeps nothing.
/// </summary>
internal sealed class DriftHistory
{
    /// <summary>Evaluations kept per version (an hour at the default 10 s interval).</summary>
    public const int Kept = 360;

    private readonly ConcurrentDictionary<(string Model, string Version), Queue<MonitorReport>> _reports = new();

    public DriftHistory(QualityMonitor monitor) => monitor.Evaluated += Add;

    /// <summary>Every version's reports, oldest first.</summary>
    public IReadOnlyList<(string Model, string Version, IReadOnlyList<MonitorReport> Reports)> Read()
    {
        var result = new List<(string, string, IReadOnlyList<MonitorReport>)>();
        foreach (var ((model, version), queue) in _reports.OrderBy(p => p.Key.Model, StringComparer.Ordinal).ThenBy(p => p.Key.Version, StringComparer.Ordinal))
        {
            lock (queue)
            {
                result.Add((model, version, queue.ToArray()));
            }
        }
        return result;
    }

    private void Add(IReadOnlyList<MonitorReport> reports)
    {
        foreach (var report in reports)
        {
            var queue = _reports.GetOrAdd((report.Model, report.Version), _ => new Queue<MonitorReport>());
            lock (queue)
            {
                queue.Enqueue(report);
                while (queue.Count > Kept)
                {
                    queue.Dequeue();
                }
            }
        }
    }
}
