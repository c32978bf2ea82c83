using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway.Internal;
using Yarp.ReverseProxy.Forwarder;

namespace MlopsGateway.Gateway;

/// <summary>
/// Handles every <c>/inference.GRPCInferenceService/*</c> call: authenticates the key, reads the
/// model from the request bytes, checks the key may call it, and forwards the untouched HTTP/2
/// stream to a worker with YARP. Worker statuses and messages reach the caller as the worker sent them.
/// </summary>
public sealed class OipForwarder : IDisposable
{
    /// <summary>Route pattern of the protocol's service.</summary>
    public const string RoutePattern = "/inference.GRPCInferenceService/{method}";

    /// <summary>The most request bytes read while looking for the model name.</summary>
    public const int MaxPeekBytes = 64 * 1024;

    private readonly IHttpForwarder _forwarder;
    private readonly ApiKeyCache _keys;
    private readonly WorkerPool _workers;
    private readonly GatewayOptions _options;
    private readonly ILogger<OipForwarder> _logger;
    private readonly GatewayMetrics _metrics;
    private readonly HttpMessageInvoker _client;
    private readonly ForwarderRequestConfig _requestConfig;
    private readonly HttpTransformer _transformer = new KeyStrippingTransformer();

    public OipForwarder(
        IHttpForwarder forwarder, ApiKeyCache keys, WorkerPool workers, IOptions<GatewayOptions> options, GatewayMetrics metrics,
        ILogger<OipForwarder> logger)
    {
        _metrics = metrics;
        _forwarder = forwarder;
        _keys = keys;
        _workers = workers;
        _options = options.Value;
        _logger = logger;
        _client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            // One HTTP/2 connection caps at the worker's stream limit (100 by default); open more under load.
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        });
        _requestConfig = new ForwarderRequestConfig
        {
            ActivityTimeout = _options.UpstreamActivityTimeout,
            // Workers speak HTTP/2 without TLS (h2c, prior knowledge): never fall back to HTTP/1.1.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    /// <summary>The endpoint's request delegate.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        var method = context.Request.RouteValues["method"] as string ?? "";
        var scope = MethodScope(method);
        if (scope == Scope.Unknown)
        {
            await GrpcErrorWriter.WriteAsync(context, StatusCode.Unimplemented,
                $"The gateway does not forward '{method}'. It serves ServerLive, ServerReady, ServerMetadata, ModelReady, ModelMetadata and ModelInfer; repository rpcs (RepositoryIndex, RepositoryModelLoad, RepositoryModelUnload) are an operator's, served by each worker directly.")
                .ConfigureAwait(false);
            return;
        }

        var secret = ReadKey(context.Request.Headers);
        if (secret.IsEmpty)
        {
            await Refuse(context, method, StatusCode.Unauthenticated,
                "No API key: send it as 'x-api-key: <key>' or 'authorization: Bearer <key>' metadata.").ConfigureAwait(false);
            return;
        }
        var key = _keys.Table.Find(secret);
        if (key is null)
        {
            await Refuse(context, method, StatusCode.Unauthenticated,
                "The API key is not recognised: it may be mistyped or revoked. Ask for a key with 'mlops keys create'.").ConfigureAwait(false);
            return;
        }
        context.Items[GatewayHeaders.KeyIdItem] = key.Id;

        var sizeLimit = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeLimit is { IsReadOnly: false })
        {
            sizeLimit.MaxRequestBodySize = _options.MaxRequestBodySize;
        }

        var model = "";
        if (scope == Scope.Model)
        {
            var (result, name) = await PeekModelAsync(context.Request.BodyReader, context.RequestAborted).ConfigureAwait(false);
            switch (result)
            {
                case PeekResult.Compressed:
                    await GrpcErrorWriter.WriteAsync(context, StatusCode.Unimplemented,
                        "The gateway cannot read compressed requests; send requests uncompressed (responses may still be compressed).")
                        .ConfigureAwait(false);
                    return;
                case PeekResult.Malformed or PeekResult.NeedMoreData:
                    await GrpcErrorWriter.WriteAsync(context, StatusCode.InvalidArgument,
                        $"The {method} request is not a valid protocol message: the model name could not be read.").ConfigureAwait(false);
                    return;
            }
            if (name.Length == 0)
            {
                await GrpcErrorWriter.WriteAsync(context, StatusCode.InvalidArgument,
                    "The request names no model: set the model name.").ConfigureAwait(false);
                return;
            }
            if (!key.Allows(name))
            {
                await Refuse(context, method, StatusCode.PermissionDenied,
                    $"API key '{key.Name}' ({key.Id}) may not call model '{name}'. It may call: {string.Join(", ", key.Models)}.")
                    .ConfigureAwait(false);
                return;
            }
            model = name;
        }

        var worker = _workers.Pick(model);
        if (worker is null)
        {
            await GrpcErrorWriter.WriteAsync(context, StatusCode.Unavailable, "No worker is configured behind this gateway.").ConfigureAwait(false);
            return;
        }

        var error = await _forwarder.SendAsync(context, worker, _client, _requestConfig, _transformer).ConfigureAwait(false);
        if (error != ForwarderError.None)
        {
            var failure = context.Features.Get<IForwarderErrorFeature>();
            GatewayLog.UpstreamFailed(_logger, method, model, worker, error.ToString(), failure?.Exception);
            if (!context.Response.HasStarted)
            {
                var code = error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled
                    ? StatusCode.Cancelled
                    : StatusCode.Unavailable;
                await GrpcErrorWriter.WriteAsync(context, code,
                    $"The worker for model '{model}' could not be reached ({error}). The request did not run; it is safe to retry.")
                    .ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>
    /// Reads until the model name is found, without consuming anything: the forwarder then sends
    /// the body from its first byte.
    /// </summary>
    private static async Task<(PeekResult Result, string Name)> PeekModelAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            var result = GrpcRequestPeek.TryReadModel(buffer, out var name, out _);
            if (result != PeekResult.NeedMoreData || read.IsCompleted || read.IsCanceled || buffer.Length >= MaxPeekBytes)
            {
                reader.AdvanceTo(buffer.Start);
                return (result, name);
            }
            // Nothing consumed, everything examined: the next read waits for more bytes.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private Task Refuse(HttpContext context, string method, StatusCode code, string message)
    {
        GatewayLog.AuthFailed(_logger, method, code.ToString());
        _metrics.AuthFailed(method, code.ToString());
        return GrpcErrorWriter.WriteAsync(context, code, message);
    }

    private static ReadOnlySpan<char> ReadKey(IHeaderDictionary headers)
    {
        var apiKey = headers[GatewayHeaders.ApiKey];
        if (apiKey.Count > 0 && !string.IsNullOrEmpty(apiKey[0]))
        {
            return apiKey[0].AsSpan().Trim();
        }
        var authorization = headers[GatewayHeaders.Authorization];
        if (authorization.Count > 0 && authorization[0] is { } value
            && value.StartsWith(GatewayHeaders.BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return value.AsSpan(GatewayHeaders.BearerPrefix.Length).Trim();
        }
        return default;
    }

    private static Scope MethodScope(string method) => method switch
    {
        "ModelInfer" or "ModelMetadata" or "ModelReady" => Scope.Model,
        "ServerLive" or "ServerReady" or "ServerMetadata" => Scope.Server,
        _ => Scope.Unknown,
    };

    private enum Scope
    {
        Unknown,
        Server,
        Model,
    }
}
