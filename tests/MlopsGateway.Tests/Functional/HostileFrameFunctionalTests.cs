using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using FsCheck.Fluent;
using Google.Protobuf;
using Grpc.Core;
using Inference;
using Microsoft.Extensions.Logging;
using MlopsGateway.Gateway.Forwarding;
using MlopsGateway.Tests.Gateway.Routing;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Functional;

/// <summary>Tests that measure the whole process (its managed memory) and so run when nothing else does.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAloneCollection
{
    public const string Name = "runs alone";
}

/// <summary>
/// Frames built by hand, as an attacker would, sent as raw HTTP/2 requests through a real gateway to
/// a real worker: smuggled model names and versions are refused, bytes that are not a message are
/// answered with a clear status, and thousands of hostile frames leave both servers healthy.
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed class HostileFrameFunctionalTests : FunctionalTest, IClassFixture<StackFixture>
{
    private const string Infer = "ModelInfer";

    private readonly StackFixture _stack;

    public HostileFrameFunctionalTests(StackFixture stack)
        : base(stack.Logs)
    {
        _stack = stack;
        // A refused body is a forwarding error to YARP (RequestBodyClient) and a reset stream, or a
        // parse failure, to grpc-dotnet's handler; the answers these tests check say what happened.
        // A worker may also answer a hostile frame (an unknown model, say) and reset its stream before
        // the gateway has copied all of the body: YARP then reports RequestBodyDestination, "A task was
        // canceled", and the gateway warns of it (seen once in CI), while the caller still gets the answer.
        ExpectLogs(e => (e.Category == "Yarp.ReverseProxy.Forwarder.HttpForwarder"
                && (e.Message.StartsWith("RequestBodyClient:", StringComparison.Ordinal) || e.Message.StartsWith("RequestBodyDestination:", StringComparison.Ordinal)))
            || (e.Category == typeof(RetryStep).FullName && e.Event.Name == "UpstreamFailed" && e.Message.EndsWith("failed: RequestBodyDestination", StringComparison.Ordinal))
            || (e.Category == "Grpc.AspNetCore.Server.ServerCallHandler" && e.Event.Name == "ErrorExecutingServiceMethod"));
    }

    private static readonly StatusCode[] s_clear =
        [StatusCode.OK, StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.PermissionDenied, StatusCode.Unauthenticated, StatusCode.ResourceExhausted];

    private static readonly HttpClient s_http = new(new SocketsHttpHandler { EnableMultipleHttp2Connections = true });

    [Fact]
    public async Task SecondModelName_AfterTheTensors_RefusedAndThatModelDoesNotRun()
    {
        using var metrics = new MetricsRecorder(_stack.Worker);
        var message = Concat(new ModelInferRequest { ModelName = "dtypes" }, Features(), new ModelInferRequest { ModelName = "propensity" });
        // What the worker's parser keeps, were the frame forwarded.
        Assert.Equal("propensity", ModelInferRequest.Parser.ParseFrom(message).ModelName);

        var smuggled = await SendAsync(Infer, HostileFrames.Frame(message), _stack.DtypesOnlyKey);

        Assert.Equal(StatusCode.InvalidArgument, smuggled.Code);
        Assert.Contains("field 1 (the model name) appears again", smuggled.Message, StringComparison.Ordinal);
        Assert.Empty(metrics.Values("mlops.worker.requests"));
        // The recorder sees a propensity request that does run.
        Assert.Equal(StatusCode.OK, (await SendAsync(Infer, Good(), _stack.AllModelsKey)).Code);
        Assert.Single(metrics.Values("mlops.worker.requests", ("model", "propensity")));
    }

    [Theory]
    [InlineData("1", "2")]
    [InlineData("", "1")]
    public async Task SecondVersion_AfterTheTensors_RefusedAndNoVersionRuns(string named, string smuggledVersion)
    {
        using var metrics = new MetricsRecorder(_stack.Worker);
        var message = Concat(new ModelInferRequest { ModelName = "propensity", ModelVersion = named }, Features(),
            new ModelInferRequest { ModelVersion = smuggledVersion });
        Assert.Equal(smuggledVersion, ModelInferRequest.Parser.ParseFrom(message).ModelVersion);

        var answer = await SendAsync(Infer, HostileFrames.Frame(message), _stack.AllModelsKey);

        Assert.Equal(StatusCode.InvalidArgument, answer.Code);
        Assert.Contains("field 2 (the model version) appears again", answer.Message, StringComparison.Ordinal);
        Assert.Empty(metrics.Values("mlops.worker.requests"));
    }

    [Fact]
    public async Task GarbageInsideTheTensors_WorkerAnswersInvalidArgumentNamingIt()
    {
        // Top-level fields the gateway can read; an input tensor whose bytes are not one.
        byte[] message = [.. new ModelInferRequest { ModelName = "propensity" }.ToByteArray(), 0x2A, 0x02, 0xFF, 0xFF];

        var answer = await SendAsync(Infer, HostileFrames.Frame(message), _stack.AllModelsKey);

        Assert.Equal(StatusCode.InvalidArgument, answer.Code);
        Assert.StartsWith("The ModelInfer request is not a valid protocol message:", answer.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("truncated", "the frame ends")]
    [InlineData("second frame", "bytes follow the message")]
    [InlineData("compressed flag", "marked compressed")]
    [InlineData("padded tag", "over-long or padded")]
    public async Task FrameTheGatewayCannotRead_InvalidArgumentSayingWhy(string fault, string reason)
    {
        var good = Good();
        var frame = fault switch
        {
            "truncated" => good[..^3],
            "second frame" => [.. good, .. good],
            "compressed flag" => [1, .. good[1..]],
            // Field 1's tag 0x0A written as 0x8A 0x00: the same tag to protobuf, not its shortest form.
            _ => HostileFrames.Frame([0x8A, 0x00, .. good[6..]]),
        };

        var answer = await SendAsync(Infer, frame, _stack.AllModelsKey);

        Assert.Equal(StatusCode.InvalidArgument, answer.Code);
        Assert.Contains(reason, answer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenThousandHostileFrames_EveryAnswerClear_GoodRequestsSucceed_MemorySteady()
    {
        const int hostile = 10_000;
        const int goodEvery = 25;
        var random = new Random(20);
        var frames = HostileFrames.Frames().Sample(hostile * 7 / 10)
            .Concat(HostileFrames.RandomBodies().Sample(hostile - (hostile * 7 / 10)))
            .OrderBy(_ => random.Next()).ToArray();
        string[] methods = [Infer, Infer, Infer, Infer, Infer, Infer, Infer, Infer, "ModelMetadata", "ModelReady"];
        string?[] keys = [_stack.AllModelsKey, _stack.AllModelsKey, _stack.AllModelsKey, _stack.DtypesOnlyKey, null];
        var good = Good();
        var unclear = new ConcurrentQueue<string>();
        var goodFailed = new ConcurrentQueue<string>();
        var answered = new ConcurrentDictionary<StatusCode, int>();

        async Task SendOneAsync(int i)
        {
            if (i % goodEvery == 0)
            {
                var answer = await SendAsync(Infer, good, _stack.AllModelsKey);
                if (answer.Code != StatusCode.OK || answer.Body.Length <= 5 || ModelInferResponse.Parser.ParseFrom(answer.Body.AsSpan(5)).Outputs.Count != 2)
                {
                    goodFailed.Enqueue($"{answer.Code} {answer.Message}");
                }
                return;
            }
            // Index i is hostile frame i - (good requests up to i).
            var frame = frames[i - (i / goodEvery) - 1];
            var method = methods[i % methods.Length];
            var reply = await SendAsync(method, frame, keys[i % keys.Length]);
            answered.AddOrUpdate(reply.Code, 1, (_, n) => n + 1);
            if (!s_clear.Contains(reply.Code))
            {
                unclear.Enqueue($"{method} {Convert.ToHexString(frame.AsSpan(0, Math.Min(frame.Length, 48)))}: {reply.Code} {reply.Message}");
            }
        }

        var total = hostile + hostile / (goodEvery - 1) + 1;
        var warmUp = 400;
        var levels = _stack.Logs.MinimumLevel;
        // Only what could fail the test is kept; a Debug log of every call would itself fill the heap.
        _stack.Logs.MinimumLevel = LogLevel.Warning;
        try
        {
            await RunAsync(0, warmUp, SendOneAsync);
            var before = ManagedHeap();
            var clock = Stopwatch.StartNew();
            await RunAsync(warmUp, total, SendOneAsync);
            clock.Stop();
            var after = ManagedHeap();

            Assert.True(unclear.IsEmpty, $"{unclear.Count} answers were not a clear status, e.g.:\n{string.Join("\n", unclear.Take(5))}");
            Assert.True(goodFailed.IsEmpty, $"{goodFailed.Count} good requests failed, e.g.: {string.Join("; ", goodFailed.Take(5))}");
            Assert.False(_stack.Gateway.Lifetime.ApplicationStopping.IsCancellationRequested);
            Assert.False(_stack.Worker.Lifetime.ApplicationStopping.IsCancellationRequested);
            Assert.Equal(StatusCode.OK, (await SendAsync(Infer, good, _stack.AllModelsKey)).Code);
            // Not vacuous: the frames reach every kind of answer, the worker's included.
            Assert.True(answered.GetValueOrDefault(StatusCode.InvalidArgument) > 1000, Describe(answered));
            Assert.True(answered.GetValueOrDefault(StatusCode.OK) + answered.GetValueOrDefault(StatusCode.NotFound) > 20, Describe(answered));
            // The process's managed heap after a full collection: both hosts live in it (the test host too, idle meanwhile).
            Assert.True(after <= before * 1.10, $"managed heap grew from {before:N0} to {after:N0} bytes over {total - warmUp} calls ({clock.Elapsed.TotalSeconds:F1} s)");
        }
        finally
        {
            _stack.Logs.MinimumLevel = levels;
        }
    }

    private static string Describe(ConcurrentDictionary<StatusCode, int> answered) =>
        string.Join(", ", answered.OrderBy(a => a.Key).Select(a => $"{a.Key}: {a.Value}"));

    private static async Task RunAsync(int from, int to, Func<int, Task> send) =>
        await Parallel.ForEachAsync(Enumerable.Range(from, to - from), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, _) => await send(i));

    private static long ManagedHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>A propensity request's tensors (and id), without model fields.</summary>
    private static ModelInferRequest Features() => TestRequests.Propensity("", [TestRequests.Row]);

    private static byte[] Good() => HostileFrames.Frame(TestRequests.Propensity("propensity", [TestRequests.Row]).ToByteArray());

    private static byte[] Concat(params IMessage[] parts) => parts.SelectMany(p => p.ToByteArray()).ToArray();

    private async Task<(StatusCode Code, string Message, byte[] Body)> SendAsync(string method, byte[] frame, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_stack.GatewayAddress.TrimEnd('/')}/inference.GRPCInferenceService/{method}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (key is not null)
        {
            request.Headers.Add("x-api-key", key);
        }
        try
        {
            using var response = await s_http.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            var status = Header(response.Headers, "grpc-status") ?? Header(response.TrailingHeaders, "grpc-status");
            var message = Header(response.Headers, "grpc-message") ?? Header(response.TrailingHeaders, "grpc-message") ?? "";
            return status is null
                ? ((StatusCode)(-1), $"HTTP {(int)response.StatusCode} without grpc-status", body)
                : ((StatusCode)int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), Uri.UnescapeDataString(message), body);
        }
        catch (HttpRequestException ex)
        {
            return ((StatusCode)(-1), $"no answer: {ex.Message}", []);
        }
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
