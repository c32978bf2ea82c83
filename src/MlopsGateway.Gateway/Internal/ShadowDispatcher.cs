using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Inference;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;

namespace MlopsGateway.Gateway.Internal;

/// <summary>
/// Sends copies of sampled requests to their shadow version off the caller's path, at most
/// <see cref="GatewayOptions.MaxShadowConcurrency"/> at once (a copy beyond that is dropped and
/// counted rather than queued, so a slow shadow never builds up memory), and records how the
/// shadow's answer differs from the primary's. Nothing here can reach the caller.
/// </summary>
internal sealed class ShadowDispatcher
{
    private readonly IProxyStateLookup _proxyState;
    private readonly WorkerProxyConfigProvider _config;
    private readonly GatewayMetrics _metrics;
    private readonly GatewayOptions _options;
    private readonly RandomSource _random;
    private readonly ILogger<ShadowDispatcher> _logger;
    private int _inFlight;

    public ShadowDispatcher(
        IProxyStateLookup proxyState, WorkerProxyConfigProvider config, GatewayMetrics metrics, IOptions<GatewayOptions> options,
        RandomSource random, ILogger<ShadowDispatcher> logger)
    {
        _proxyState = proxyState;
        _config = config;
        _metrics = metrics;
        _options = options.Value;
        _random = random;
        _logger = logger;
    }

    /// <summary>Copies in flight now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Whether a copy could start now; when not, it is counted as dropped.</summary>
    public bool HasRoom(string model)
    {
        if (Volatile.Read(ref _inFlight) < _options.MaxShadowConcurrency)
        {
            return true;
        }
        _metrics.ShadowDropped(model, "saturated");
        return false;
    }

    /// <summary>Starts the copy in the background, or drops it (counted) when the limit is reached.</summary>
    public void Dispatch(ShadowWork work)
    {
        if (Interlocked.Increment(ref _inFlight) > _options.MaxShadowConcurrency)
        {
            Interlocked.Decrement(ref _inFlight);
            _metrics.ShadowDropped(work.Model, "saturated");
            return;
        }
        _ = Task.Run(() => RunAsync(work));
    }

    private async Task RunAsync(ShadowWork work)
    {
        try
        {
            if (!_config.Topology.Models.TryGetValue(work.Model, out var clusters)
                || !clusters.Versions.TryGetValue(work.Shadow, out var clusterId)
                || !_proxyState.TryGetCluster(clusterId, out var cluster)
                || cluster.DestinationsState.AvailableDestinations is not { Count: > 0 } destinations
                || cluster.Model.HttpClient is not { } client)
            {
                _metrics.ShadowDropped(work.Model, "no_worker");
                return;
            }
            var destination = destinations[(int)(_random.NextDouble() * destinations.Count)];
            using var request = new HttpRequestMessage(HttpMethod.Post,
                destination.Model.Config.Address.TrimEnd('/') + "/inference.GRPCInferenceService/ModelInfer")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(work.Request),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
            request.Headers.TryAddWithoutValidation("te", "trailers");
            request.Headers.TryAddWithoutValidation("x-mlops-shadow", "1");
            if (work.CallerId is not null)
            {
                request.Headers.TryAddWithoutValidation(GatewayHeaders.KeyIdHeader, work.CallerId);
            }
            using var timeout = new CancellationTokenSource(_options.ShadowTimeout);
            using var response = await client.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            var status = GrpcStatus(response);
            _metrics.ShadowSent(work.Model, work.Primary, work.Shadow, status);
            if (status != "0")
            {
                GatewayLog.ShadowFailed(_logger, work.Model, work.Shadow, $"gRPC status {status}");
                return;
            }
            var primary = ModelInferResponse.Parser.ParseFrom(work.PrimaryAnswer.AsSpan(GrpcRequestPeek.HeaderLength));
            var shadow = ModelInferResponse.Parser.ParseFrom(body.AsSpan(GrpcRequestPeek.HeaderLength));
            _metrics.ShadowCompared(work.Model, work.Primary, work.Shadow, OutputComparer.Compare(primary, shadow));
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException
            or Google.Protobuf.InvalidProtocolBufferException or ArgumentException)
        {
            _metrics.ShadowSent(work.Model, work.Primary, work.Shadow, "error");
            GatewayLog.ShadowFailed(_logger, work.Model, work.Shadow, ex.GetType().Name + ": " + ex.Message);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static string GrpcStatus(HttpResponseMessage response)
    {
        if (response.TrailingHeaders.TryGetValues("grpc-status", out var trailer))
        {
            return trailer.FirstOrDefault() ?? "unknown";
        }
        if (response.Headers.TryGetValues("grpc-status", out var header))
        {
            return header.FirstOrDefault() ?? "unknown";
        }
        return response.IsSuccessStatusCode ? "unknown" : ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
    }
}
