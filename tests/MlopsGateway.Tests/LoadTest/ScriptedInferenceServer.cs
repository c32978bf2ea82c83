using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Monitoring;

namespace MlopsGateway.Tests.LoadTest;

/// <summary>
/// A real Kestrel gRPC server on loopback port 0 whose ModelInfer does what the request's model
/// name says, for the load client's tests: <c>ok</c>, <c>fail</c> (INVALID_ARGUMENT with a message
/// that needs percent-encoding), <c>big</c> (checks a large request, answers a large response),
/// <c>hold</c> (waits until the server's stream limit is reached on its connection), <c>goaway</c>
/// (asks Kestrel to close its connection gracefully: GOAWAY), <c>abort</c> (drops its connection).
/// A call with <c>x-api-key: silent</c> is never answered.
/// </summary>
public sealed class ScriptedInferenceServer : IAsyncDisposable
{
    /// <summary>The size of <c>big</c>'s request input and of its answer.</summary>
    public const int BigBytes = 1 << 20;

    private ScriptedInferenceServer(WebApplication app, State state)
    {
        App = app;
        Script = state;
        Address = ServerEndpoints.GrpcAddress(app);
    }

    public WebApplication App { get; }

    public string Address { get; }

    public State Script { get; }

    /// <param name="maxStreams">Kestrel's MaxStreamsPerConnection (its SETTINGS_MAX_CONCURRENT_STREAMS).</param>
    /// <param name="tls">Serves TLS (ALPN h2) with this certificate; cleartext h2c when null.</param>
    public static async Task<ScriptedInferenceServer> StartAsync(int maxStreams = 100, ServerCertificate? tls = null)
    {
        var state = new State(maxStreams);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.Http2.MaxStreamsPerConnection = maxStreams;
            k.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (tls is not null)
                {
                    listen.UseHttps(new TlsHandshakeCallbackOptions { OnConnection = _ => ValueTask.FromResult(tls.ServerOptions()) });
                }
                listen.Use(next => connection =>
                {
                    state.Connections[connection.ConnectionId] = connection;
                    Interlocked.Increment(ref state.ConnectionsAccepted);
                    return next(connection);
                });
            });
        });
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 4 * BigBytes);
        builder.Services.AddSingleton(state);
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (context.Request.Headers["x-api-key"] == "silent")
            {
                Interlocked.Increment(ref state.SilentCalls);
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The client reset the stream: its deadline passed.
                    Interlocked.Increment(ref state.SilentCallsReset);
                }
                return;
            }
            await next(context);
        });
        app.MapGrpcService<Service>();
        await app.StartAsync();
        return new ScriptedInferenceServer(app, state);
    }

    public async ValueTask DisposeAsync() => await App.DisposeAsync();

    /// <summary>A request for <paramref name="model"/>; <c>big</c> carries <see cref="BigBytes"/> of input.</summary>
    public static ModelInferRequest Request(string model)
    {
        var request = new ModelInferRequest { ModelName = model };
        if (model == "big")
        {
            request.RawInputContents.Add(ByteString.CopyFrom(Enumerable.Range(0, BigBytes).Select(i => (byte)i).ToArray()));
        }
        return request;
    }

    /// <summary>What the server saw.</summary>
    public sealed class State(int maxStreams)
    {
        public readonly ConcurrentDictionary<string, ConnectionContext> Connections = new();
        public int ConnectionsAccepted;
        public int GoAways;
        public int SilentCalls;
        public int SilentCallsReset;
        private readonly ConcurrentDictionary<string, int> _held = new();
        private readonly Lock _sync = new();
        private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The most <c>hold</c> calls in flight at once on one connection.</summary>
        public int MostHeldOnOneConnection { get; private set; }

        // Calls waiting on the current gate.
        private int _waiting;

        internal async Task HoldAsync(string connection)
        {
            Task gate;
            lock (_sync)
            {
                var held = _held.AddOrUpdate(connection, 1, (_, n) => n + 1);
                MostHeldOnOneConnection = Math.Max(MostHeldOnOneConnection, held);
                gate = _gate.Task;
                // Counted per gate, not from the streams held: a released call that has not yet left
                // would make a later group look full early and leave its last call waiting alone.
                if (++_waiting == maxStreams)
                {
                    // The limit is reached: this group is released, the next waits for its own.
                    _gate.TrySetResult();
                    _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _waiting = 0;
                }
            }
            try
            {
                await gate.WaitAsync(TimeSpan.FromSeconds(10));
            }
            finally
            {
                lock (_sync)
                {
                    _held.AddOrUpdate(connection, 0, (_, n) => n - 1);
                }
            }
        }
    }

    private sealed class Service(State state) : GRPCInferenceService.GRPCInferenceServiceBase
    {
        public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
        {
            var http = context.GetHttpContext();
            var response = new ModelInferResponse { ModelName = request.ModelName };
            switch (request.ModelName)
            {
                case "fail":
                    throw new RpcException(new Status(StatusCode.InvalidArgument, "features: 4 given, 5 expected (100% wrong)"));
                case "big":
                    if (request.RawInputContents.Count != 1 || request.RawInputContents[0].Length != BigBytes || request.RawInputContents[0][BigBytes - 1] != unchecked((byte)(BigBytes - 1)))
                    {
                        throw new RpcException(new Status(StatusCode.DataLoss, "The large request did not arrive whole."));
                    }
                    response.RawOutputContents.Add(ByteString.CopyFrom(new byte[BigBytes]));
                    break;
                case "hold":
                    await state.HoldAsync(http.Connection.Id);
                    break;
                case "goaway":
                    Interlocked.Increment(ref state.GoAways);
                    state.Connections[http.Connection.Id].Features.Get<IConnectionLifetimeNotificationFeature>()!.RequestClose();
                    break;
                case "abort":
                    state.Connections[http.Connection.Id].Abort(new ConnectionAbortedException("The test drops the connection."));
                    break;
                default:
                    break;
            }
            return response;
        }
    }
}
