using System.Collections.Concurrent;
using System.Globalization;
using Inference;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Gateway.Forwarding;
using MlopsGateway.Gateway.Routing;
using MlopsGateway.Gateway.Tracing;
using Yarp.ReverseProxy;

namespace MlopsGateway.Gateway.Shadow;

/// <summary>
/// Sends copies of sampled requests to their shadow version off the caller's path, at most
/// <see cref="GatewayOptions.MaxShadowConcurrency"/> copies and about
/// <see cref="GatewayOptions.MaxShadowBytesInFlight"/> bytes at once (a copy beyond that is dropped
/// and counted rather than queued, so a slow shadow never builds up memory), and hands each outcome
/// to the <see cref="ShadowRecorder"/>. Copies travel on one <see cref="ShadowStream"/> per worker;
/// a sweep gives up on copies unanswered after <see cref="GatewayOptions.ShadowTimeout"/> and closes
/// streams idle for a minute.
/// </summary>
internal sealed class ShadowDispatcher : IDisposable
{
    // A worker's stream is closed after this long without copies (the worker may be gone for good).
    private static readonly TimeSpan s_idleStream = TimeSpan.FromMinutes(1);

    private readonly IProxyStateLookup _proxyState;
    private readonly WorkerProxyConfigProvider _config;
    private readonly GatewayMetrics _metrics;
    private readonly GatewayOptions _options;
    private readonly RandomSource _random;
    private readonly ShadowRecorder _recorder;
    private readonly TimeProvider _time;
    private readonly WorkerTls _tls;
    private readonly ConcurrentDictionary<string, ShadowStream> _streams = new(StringComparer.Ordinal);
    private readonly Action<ShadowWork, ModelStreamInferResponse?, string?> _done;
    private readonly ITimer _sweep;
    private int _inFlight;
    private long _bytesInFlight;
    private long _nextId;

    public ShadowDispatcher(
        IProxyStateLookup proxyState, WorkerProxyConfigProvider config, GatewayMetrics metrics, IOptions<GatewayOptions> options,
        RandomSource random, ShadowRecorder recorder, TimeProvider time, WorkerTls tls)
    {
        _tls = tls;
        _proxyState = proxyState;
        _config = config;
        _metrics = metrics;
        _options = options.Value;
        _random = random;
        _recorder = recorder;
        _time = time;
        _done = Done;
        // Timeouts are found by sweeping rather than a timer per copy: a copy then costs no timer.
        var period = TimeSpan.FromTicks(Math.Clamp(_options.ShadowTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond));
        _sweep = _time.CreateTimer(_ => Sweep(), null, period, period);
    }

    /// <summary>Copies in flight now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Whether a copy could start now; when not, it is counted as dropped.</summary>
    public bool HasRoom(string model)
    {
        if (Volatile.Read(ref _inFlight) < _options.MaxShadowConcurrency && Interlocked.Read(ref _bytesInFlight) < _options.MaxShadowBytesInFlight)
        {
            return true;
        }
        _metrics.ShadowDropped(model, "saturated");
        return false;
    }

    /// <summary>
    /// Sends a copy of a request that the primary answered, or drops it (counted) when the limit is
    /// reached or no worker serves the shadow version.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="primary">The version that answered the caller.</param>
    /// <param name="shadow">The version to copy to.</param>
    /// <param name="rest">The request's fields after its model name and version.</param>
    /// <param name="primaryAnswer">The primary's gRPC response body (frame header included).</param>
    public void Dispatch(string model, string primary, string shadow, ReadOnlySpan<byte> rest, ReadOnlyMemory<byte> primaryAnswer)
    {
        if (!HasRoom(model))
        {
            return;
        }
        // Checked again as it is claimed: copies dispatched at the same moment may have taken the last room.
        if (Interlocked.Increment(ref _inFlight) > _options.MaxShadowConcurrency)
        {
            Interlocked.Decrement(ref _inFlight);
            _metrics.ShadowDropped(model, "saturated");
            return;
        }
        if (!_config.Topology.Models.TryGetValue(model, out var clusters)
            || !clusters.Versions.TryGetValue(shadow, out var clusterId)
            || !_proxyState.TryGetCluster(clusterId, out var cluster)
            || cluster.DestinationsState.AvailableDestinations is not { Count: > 0 } destinations)
        {
            Interlocked.Decrement(ref _inFlight);
            _metrics.ShadowDropped(model, "no_worker");
            return;
        }
        var address = destinations[(int)(_random.NextDouble() * destinations.Count)].Model.Config.Address;
        var id = "mlops-shadow-" + Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);
        var work = new ShadowWork(model, primary, shadow, id, GrpcRequestPeek.WriteMessage(model, shadow, rest, id), primaryAnswer)
        {
            Span = ShadowTracing.Begin(model, primary, shadow),
        };
        Interlocked.Add(ref _bytesInFlight, Held(work));
        if (!_streams.TryGetValue(address, out var stream))
        {
            // Under a lock: GetOrAdd alone may build a second stream for the address and drop it undisposed.
            lock (_streams)
            {
                stream = _streams.GetOrAdd(address, static (a, self) => new ShadowStream(a, self._done, self._options.ShadowGatherWindow, self._time, self._tls,
                    self._options.WorkerSecret), this);
            }
        }
        stream.Enqueue(work);
    }

    public void Dispose()
    {
        _sweep.Dispose();
        foreach (var stream in _streams.Values)
        {
            stream.Dispose();
        }
        _streams.Clear();
    }

    private void Sweep()
    {
        foreach (var (address, stream) in _streams)
        {
            stream.Expire(_options.ShadowTimeout, $"no answer within {_options.ShadowTimeout.TotalSeconds:0.###} s");
            if (stream.Waiting == 0 && _time.GetElapsedTime(stream.LastUsed) > s_idleStream && _streams.TryRemove(address, out var idle))
            {
                idle.Dispose();
            }
        }
    }

    /// <summary>Records one copy's outcome and frees its room; called exactly once per copy queued on a stream.</summary>
    private void Done(ShadowWork work, ModelStreamInferResponse? answer, string? failure)
    {
        try
        {
            _recorder.Record(work, answer, failure);
        }
        finally
        {
            Interlocked.Add(ref _bytesInFlight, -Held(work));
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>The bytes a copy holds while in flight: its message and the primary's answer.</summary>
    private static long Held(ShadowWork work) => work.Message.Length + (long)work.PrimaryAnswer.Length;
}
