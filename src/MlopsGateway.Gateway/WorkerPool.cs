using Microsoft.Extensions.Options;

namespace MlopsGateway.Gateway;

/// <summary>
/// The workers the gateway forwards to, taken in turn. Every worker is taken to serve every model;
/// discovery through Redis replaces this list with per-model destinations.
/// </summary>
public sealed class WorkerPool
{
    private readonly string[] _workers;
    private int _next = -1;

    public WorkerPool(IOptions<GatewayOptions> options)
    {
        _workers = options.Value.Workers.Select(w => w.TrimEnd('/')).ToArray();
    }

    /// <summary>The configured worker addresses.</summary>
    public IReadOnlyList<string> Workers => _workers;

    /// <summary>The next worker for <paramref name="model"/>, or null when there is none.</summary>
    public string? Pick(string model)
    {
        if (_workers.Length == 0)
        {
            return null;
        }
        var index = (int)((uint)Interlocked.Increment(ref _next) % (uint)_workers.Length);
        return _workers[index];
    }
}
