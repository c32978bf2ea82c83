using MlopsGateway.Registry;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// A worker record with no worker behind it (its address refuses connections), for tests of what is
/// checked against the registered workers. Register it only in a Redis no other test's gateway reads.
/// </summary>
public static class FakeWorker
{
    /// <summary>Registers a fake worker serving <paramref name="versions"/> of a new model, and returns the model's name.</summary>
    public static async Task<string> RegisterAsync(IConnectionMultiplexer redis, string prefix, params string[] versions)
    {
        var model = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        var record = new WorkerRecord("fake-" + model, "http://127.0.0.1:1", versions.Select(v => new ServedVersion(model, v)).ToArray(),
            true, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        await new WorkerStore(redis).RegisterAsync(record, TimeSpan.FromSeconds(30));
        return model;
    }
}
