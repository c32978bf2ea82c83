using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Registry;

namespace MlopsGateway.Tests.Gateway.Discovery;

/// <summary>An in-memory snapshot source: what a read returns, queued; every restore and start recorded.</summary>
internal sealed class FakeSnapshotSource : ISnapshotSource
{
    private readonly Queue<SnapshotRead> _reads = new();

    public List<(IReadOnlyCollection<ApiKeyRecord> Keys, IReadOnlyCollection<RouteRecord> Routes, long Read, long RestoreTo)> Restores { get; } = [];

    /// <summary>What each restore answers in turn; a restore with none left succeeds.</summary>
    public Queue<RestoredChanges?> RestoreAnswers { get; } = new();

    public int Starts { get; private set; }

    public long StartedGeneration { get; set; } = 1;

    /// <summary>The read that repeats once the queue is down to it.</summary>
    public SnapshotRead Last { get; private set; } = new([], [], [], 0);

    public FakeSnapshotSource Then(SnapshotRead read)
    {
        _reads.Enqueue(read);
        return this;
    }

    public Task<SnapshotRead> ReadAsync()
    {
        if (_reads.Count > 0)
        {
            Last = _reads.Dequeue();
        }
        return Task.FromResult(Last);
    }

    public Task<RestoredChanges?> RestoreAsync(
        IReadOnlyCollection<ApiKeyRecord> keys, IReadOnlyCollection<RouteRecord> routes, DateTimeOffset readAt, long read, long restoreTo)
    {
        Restores.Add((keys.ToArray(), routes.ToArray(), read, restoreTo));
        return Task.FromResult(RestoreAnswers.Count > 0 ? RestoreAnswers.Dequeue() : new RestoredChanges(keys.Count, 0, routes.Count, 0));
    }

    public Task<long> StartGenerationAsync()
    {
        Starts++;
        return Task.FromResult(StartedGeneration);
    }

    public static ApiKeyRecord Key(string id) => new(id, id, ApiKeyHasher.Hash("secret-" + id), ["*"], DateTimeOffset.UnixEpoch);

    public static WorkerRecord WorkerAt(string id, params (string Model, string Version)[] served) =>
        new(id, $"http://{id}:1", served.Select(s => new ServedVersion(s.Model, s.Version)).ToArray(), true, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
}
