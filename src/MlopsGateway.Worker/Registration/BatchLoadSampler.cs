using MlopsGateway.Registry;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Worker.Registration;

/// <summary>
/// Each heartbeat's load figures per loaded version: its queue now, and the batches its batcher ran
/// since the previous sample (the batcher counts since it was made, so the figures are differences).
/// Used by one heartbeat loop only.
/// </summary>
internal sealed class BatchLoadSampler
{
    // By instance, not name: a version reloaded under the same name has a new batcher counting from 0.
    private Dictionary<ModelVersion, (long Runs, long Rows)> _previous = [];

    /// <summary>The figures of <paramref name="versions"/> since the last call; versions gone are forgotten.</summary>
    public VersionLoad[] Sample(IReadOnlyList<ModelVersion> versions)
    {
        var next = new Dictionary<ModelVersion, (long Runs, long Rows)>(versions.Count);
        var load = new VersionLoad[versions.Count];
        for (var i = 0; i < versions.Count; i++)
        {
            var version = versions[i];
            var batcher = version.Batcher;
            // Rows before runs: a batch counted between the two reads then adds a run without its rows, never rows without a run.
            var rows = batcher.RowsRun;
            var runs = batcher.Runs;
            var (runsBefore, rowsBefore) = _previous.GetValueOrDefault(version);
            var batches = runs - runsBefore;
            var rowsRun = Math.Max(0, rows - rowsBefore);
            next[version] = (runs, rows);
            load[i] = new VersionLoad(version.Name, version.Version, batcher.QueueDepth, batches,
                batches > 0 ? (double)rowsRun / batches : 0, batcher.TakeLargestBatch());
        }
        _previous = next;
        return load;
    }
}
