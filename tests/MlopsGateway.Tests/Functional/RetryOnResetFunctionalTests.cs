using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Core;
using Inference;
using Microsoft.AspNetCore.Builder;
using MlopsGateway.Gateway;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Functional;

/// <summary>
/// A worker that dies with a call in flight, before anything of its answer reached the caller: the
/// gateway sends the call once more, to another worker, when it kept the body and the caller's
/// deadline allows; otherwise the caller is told it may have run.
/// </summary>
public sealed class RetryOnResetFunctionalTests : FunctionalTest
{
    private const string Model = "propensity";

    [Fact]
    public async Task ModelInfer_WorkerResetsTheStreamInFlight_AnsweredByAnotherAndCounted()
    {
        await using var stack = await Stack.StartAsync(NewLogs, null);
        var client = StackFixture.Client(ServerEndpoints.GrpcAddress(stack.Gateway));
        var request = TestRequests.Propensity(Model, [TestRequests.Row]);

        // The load balancer picks at random; every call is answered whichever worker it met first.
        for (var i = 0; i < 200 && stack.Aborting.Received < 2; i++)
        {
            var answer = await client.ModelInferAsync(request, stack.Key);
            Assert.Equal(Model, answer.ModelName);
        }

        Assert.True(stack.Aborting.Received >= 2, "200 calls in a row went to the healthy worker first; the load balancer should pick either.");
        Assert.Equal(stack.Aborting.Received, stack.Metrics.Values("mlops.gateway.upstream.retries", ("reason", "reset")).Sum());
        Assert.Empty(stack.Metrics.Values("mlops.gateway.upstream.retries", ("reason", "unsent")));
        Assert.Equal(stack.Aborting.Received, stack.Logs.Entries.Count(e => e.Event.Name == "UpstreamReplayed"));
        Assert.DoesNotContain(stack.Logs.Entries, e => e.Event.Name == "UpstreamFailed");
    }

    [Fact]
    public async Task ModelInfer_NoIdSentAgainAfterAReset_OnePredictionUnderTheCallsId()
    {
        await using var stack = await Stack.StartAsync(NewLogs, null, recordPredictions: true);
        var client = StackFixture.Client(ServerEndpoints.GrpcAddress(stack.Gateway));
        var request = TestRequests.Propensity(Model, [TestRequests.Row]);
        request.Id = "";

        ModelInferResponse? retried = null;
        for (var i = 0; i < 200 && retried is null; i++)
        {
            var before = stack.Aborting.Received;
            var answer = await client.ModelInferAsync(request, stack.Key);
            if (stack.Aborting.Received > before)
            {
                retried = answer;
            }
        }

        Assert.True(retried is not null, "200 calls in a row went to the healthy worker first; the load balancer should pick either.");
        // The worker that died saw the id the second one recorded and answered with: one prediction for the call.
        Assert.Equal(stack.Aborting.CallIds.Last(), retried.Id);
        var store = new MlopsGateway.Registry.Feedback.FeedbackStore(stack.Redis);
        await Wait.UntilAsync(async () => await store.GetPredictionAsync(Model, retried.Id) is not null);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ModelInfer_BodyNotKept_NotSentAgainAndTheCallerToldItMayHaveRun(bool overTheLimit)
    {
        await using var stack = await Stack.StartAsync(NewLogs, o =>
        {
            if (overTheLimit)
            {
                // The request (about 60 bytes) is larger: its bytes are not kept for a second worker.
                o.RetryBufferLimit = 32;
            }
            else
            {
                o.RetryOnReset = false;
            }
        });
        ExpectLogs(e => e.Event.Name == "UpstreamFailed", stack.Logs);
        var client = StackFixture.Client(ServerEndpoints.GrpcAddress(stack.Gateway));
        var request = TestRequests.Propensity(Model, [TestRequests.Row]);

        var failure = await FirstCallMetByTheAbortingWorkerAsync(stack, async () =>
        {
            await client.ModelInferAsync(request, stack.Key);
            return null;
        }, ex => ex is RpcException rpc ? (rpc.StatusCode, rpc.Status.Detail) : null);

        Assert.Equal(StatusCode.Unavailable, failure.Code);
        Assert.Equal("The worker for model 'propensity' failed while the request was in flight (Request); it may have run.", failure.Message);
        Assert.Empty(stack.Metrics.Values("mlops.gateway.upstream.retries"));
    }

    [Fact]
    public async Task ModelInfer_DeadlinePassedWhenTheWorkerDies_NotSentAgain()
    {
        // The aborting worker holds each call past its deadline before it dies. The call goes out over
        // plain HTTP/2, as a client that does not enforce its own deadline would send it (a gRPC client
        // would cancel at the deadline, which the gateway never retries either).
        await using var stack = await Stack.StartAsync(NewLogs, null, TimeSpan.FromMilliseconds(2500));
        ExpectLogs(e => e.Event.Name == "UpstreamFailed", stack.Logs);
        using var http = new HttpClient(new SocketsHttpHandler()) { BaseAddress = new Uri(ServerEndpoints.GrpcAddress(stack.Gateway)) };
        var frame = Frame(TestRequests.Propensity(Model, [TestRequests.Row]));

        var failure = await FirstCallMetByTheAbortingWorkerAsync(stack, async () =>
        {
            using var call = new HttpRequestMessage(HttpMethod.Post, "/inference.GRPCInferenceService/ModelInfer")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(frame),
            };
            call.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
            call.Headers.TryAddWithoutValidation("te", "trailers");
            // Generous, so the healthy worker answers within it on a busy machine.
            call.Headers.TryAddWithoutValidation("grpc-timeout", "1500m");
            call.Headers.TryAddWithoutValidation("x-api-key", stack.Key.GetValue("x-api-key"));
            using var response = await http.SendAsync(call);
            await response.Content.ReadAsByteArrayAsync();
            var status = response.Headers.TryGetValues("grpc-status", out var header) ? header.Single()
                : response.TrailingHeaders.GetValues("grpc-status").Single();
            var message = response.Headers.TryGetValues("grpc-message", out var text) ? Uri.UnescapeDataString(text.Single()) : "";
            return status == "0" ? null : ((StatusCode)int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), message);
        }, _ => null);

        Assert.Equal(StatusCode.Unavailable, failure.Code);
        Assert.EndsWith("failed while the request was in flight (Request); it may have run.", failure.Message, StringComparison.Ordinal);
        Assert.Empty(stack.Metrics.Values("mlops.gateway.upstream.retries"));
    }

    /// <summary>
    /// Calls one at a time until one meets the aborting worker first (the load balancer picks at
    /// random), every other answered by the healthy one; returns that call's failure.
    /// </summary>
    private static async Task<(StatusCode Code, string Message)> FirstCallMetByTheAbortingWorkerAsync(
        Stack stack, Func<Task<(StatusCode, string)?>> call, Func<Exception, (StatusCode, string)?> failureOf)
    {
        for (var i = 0; i < 60; i++)
        {
            var before = stack.Aborting.Received;
            (StatusCode, string)? failure;
            try
            {
                failure = await call();
            }
            catch (Exception ex) when (failureOf(ex) is not null)
            {
                failure = failureOf(ex);
            }
            if (stack.Aborting.Received > before)
            {
                Assert.True(failure is not null, "The call that met the aborting worker was answered.");
                return failure.Value;
            }
            Assert.True(failure is null, $"A call answered by the healthy worker failed: {failure}");
        }
        throw new InvalidOperationException("60 calls in a row went to the healthy worker first; the load balancer should pick either.");
    }

    private static byte[] Frame(IMessage message)
    {
        var payload = message.ToByteArray();
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>A gateway given two workers by address: one that aborts every call, one that answers.</summary>
    private sealed class Stack : IAsyncDisposable
    {
        private readonly string _repository;
        private readonly StackExchange.Redis.ConnectionMultiplexer _redis;
        private readonly WebApplication _healthy;

        private Stack(string repository, StackExchange.Redis.ConnectionMultiplexer redis, WebApplication healthy, AbortingWorker aborting,
            WebApplication gateway, LogCollector logs, Metadata key)
        {
            (_repository, _redis, _healthy, Aborting, Gateway, Logs, Key) = (repository, redis, healthy, aborting, gateway, logs, key);
            Metrics = new MetricsRecorder(gateway);
        }

        public AbortingWorker Aborting { get; }

        public WebApplication Gateway { get; }

        /// <summary>The gateway's log.</summary>
        public LogCollector Logs { get; }

        public MetricsRecorder Metrics { get; }

        public Metadata Key { get; }

        public StackExchange.Redis.ConnectionMultiplexer Redis => _redis;

        public static async Task<Stack> StartAsync(Func<LogCollector> newLogs, Action<GatewayOptions>? configure, TimeSpan abortAfter = default,
            bool recordPredictions = false)
        {
            var repository = TestModels.NewRepository();
            var redis = await TestRedis.ConnectIsolatedAsync();
            var secret = (await new ApiKeyStore(redis).CreateAsync("reset-" + Guid.NewGuid().ToString("N"), [])).Secret;
            var healthy = StackFixture.StartWorker(repository, null, newLogs(),
                worker: recordPredictions ? w => MlopsGateway.Worker.WorkerPredictionExtensions.AddPredictionRecords(w, redis) : null);
            await healthy.StartAsync();
            var aborting = await AbortingWorker.StartAsync(abortAfter);
            var logs = newLogs();
            var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis, o =>
            {
                o.Workers.AddRange([aborting.Address, ServerEndpoints.GrpcAddress(healthy)]);
                o.WorkerSecret = TestSecrets.Worker;
                // Passive health would take the aborting worker out after a few failures; this test needs it in rotation.
                o.PassiveHealthMinimumCalls = 1000;
                configure?.Invoke(o);
            }, logs.Configure);
            await gateway.StartAsync();
            await StackFixture.WaitForDestinationAsync(gateway, aborting.Address);
            await StackFixture.WaitForDestinationAsync(gateway, ServerEndpoints.GrpcAddress(healthy));
            return new Stack(repository, redis, healthy, aborting, gateway, logs, StackFixture.WithKey(secret));
        }

        public async ValueTask DisposeAsync()
        {
            Metrics.Dispose();
            await Gateway.StopAsync();
            await Gateway.DisposeAsync();
            await Aborting.DisposeAsync();
            await _healthy.StopAsync();
            await _healthy.DisposeAsync();
            await _redis.DisposeAsync();
            try
            {
                Directory.Delete(_repository, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
