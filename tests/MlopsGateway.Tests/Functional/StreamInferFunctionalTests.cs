using System.Collections.Concurrent;
using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Inference;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Internal;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Functional;

/// <summary>Triton's ModelStreamInfer on a real worker, and the gateway's shadow streams that use it.</summary>
public sealed class StreamInferFunctionalTests(StackFixture stack) : FunctionalTest(stack.Logs), IClassFixture<StackFixture>
{
    /// <summary>One propensity row carrying <paramref name="i"/> as its request id.</summary>
    internal static ModelInferRequest Row(int i, string version = "1")
    {
        var request = TestRequests.Propensity("propensity", [[i % 7, 12.5f, i % 3, 14, 4]], version: version);
        request.Id = i.ToString(CultureInfo.InvariantCulture);
        return request;
    }

    [Fact]
    public async Task ModelStreamInfer_OneBadRequestAmongMany_EachAnsweredByIdStreamGoesOn()
    {
        var client = StackFixture.Client(stack.WorkerAddress);
        var requests = Enumerable.Range(0, 60).Select(i => Row(i)).ToList();
        requests[20].Inputs[0].Shape[1] = 4;                // 5 values, shape [1, 4]: invalid
        requests[40].ModelVersion = "99";                    // no such version

        using var call = client.ModelStreamInfer();
        foreach (var request in requests)
        {
            await call.RequestStream.WriteAsync(request);
        }
        await call.RequestStream.CompleteAsync();
        var answers = new Dictionary<string, ModelStreamInferResponse>();
        await foreach (var answer in call.ResponseStream.ReadAllAsync())
        {
            answers.Add(answer.InferResponse.Id, answer);
        }

        Assert.Equal(60, answers.Count);
        Assert.StartsWith("InvalidArgument: ", answers["20"].ErrorMessage);
        Assert.StartsWith("NotFound: Model 'propensity' has no version '99'", answers["40"].ErrorMessage);
        foreach (var i in Enumerable.Range(0, 60).Where(i => i is not 20 and not 40))
        {
            var alone = await client.ModelInferAsync(Row(i));
            Assert.Equal("", answers[i.ToString(CultureInfo.InvariantCulture)].ErrorMessage);
            Assert.Equal(alone.Outputs, answers[i.ToString(CultureInfo.InvariantCulture)].InferResponse.Outputs);
        }
    }

    [Fact]
    public async Task ModelStreamInfer_ThroughTheGateway_UnimplementedNamingTheWorkers()
    {
        using var call = StackFixture.Client(stack.GatewayAddress).ModelStreamInfer(StackFixture.WithKey(stack.AllModelsKey));
        await call.RequestStream.WriteAsync(Row(1)).ContinueWith(_ => { }, TaskScheduler.Default);

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        Assert.Contains("ModelStreamInfer streams are not routed: both are served by each worker directly", ex.Status.Detail);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(50)]
    public async Task ShadowStream_LiveWorker_EachCopyAnsweredWithItsOwnOutputs(int gatherMs)
    {
        var calls = new ConcurrentQueue<(string Id, ModelStreamInferResponse? Answer, string? Failure)>();
        using var stream = new ShadowStream(stack.WorkerAddress, (work, answer, failure) => calls.Enqueue((work.Id, answer, failure)),
            TimeSpan.FromMilliseconds(gatherMs));

        // In three bursts, each answered before the next is queued, so that with a gather window some
        // copies go out buffered behind others and each burst opens a window of its own; every one
        // must still arrive, be flushed and be answered.
        for (var i = 0; i < 30; i++)
        {
            stream.Enqueue(Work(Row(i, version: "2"), $"copy-{i}"));
            if (i % 10 == 9)
            {
                await Wait.UntilAsync(() => calls.Count == i + 1);
            }
        }

        var outcomes = calls.ToDictionary(c => c.Id, c => (c.Answer, c.Failure));
        var client = StackFixture.Client(stack.WorkerAddress);
        for (var i = 0; i < 30; i++)
        {
            var (answer, failure) = outcomes[$"copy-{i}"];
            Assert.Null(failure);
            Assert.Equal("2", answer!.InferResponse.ModelVersion);
            Assert.Equal((await client.ModelInferAsync(Row(i, version: "2"))).Outputs, answer.InferResponse.Outputs);
        }
        Assert.Equal(0, stream.Waiting);
    }

    [Fact]
    public async Task ShadowStream_NoWorkerListening_EveryCopyFailsOnceWithTheReason()
    {
        var calls = new ConcurrentQueue<(string Id, string? Failure)>();
        using var stream = new ShadowStream("http://127.0.0.1:9", (work, answer, failure) => calls.Enqueue((work.Id, failure)));

        for (var i = 0; i < 5; i++)
        {
            stream.Enqueue(Work(Row(i), $"copy-{i}"));
        }

        await Wait.UntilAsync(() => calls.Count == 5);
        // The one sending loop takes a copy queued now only after it has done with the first call:
        // once this one has failed, nothing about the first five is left to report.
        stream.Enqueue(Work(Row(5), "copy-5"));
        await Wait.UntilAsync(() => calls.Any(c => c.Id == "copy-5"));

        Assert.Equal(6, calls.Select(c => c.Id).Distinct().Count());
        Assert.Equal(6, calls.Count);
        Assert.All(calls, c => Assert.StartsWith("Unavailable: ", c.Failure));
        Assert.Equal(0, stream.Waiting);
    }

    [Fact]
    public async Task Expire_WorkerNeverAnswers_SentAndQueuedCopiesFailOnceWithTheReason()
    {
        var calls = new ConcurrentQueue<(string Id, string? Failure)>();
        await using var silent = new SilentWorker();
        using var stream = new ShadowStream(silent.Address, (work, answer, failure) => calls.Enqueue((work.Id, failure)));
        for (var i = 0; i < 3; i++)
        {
            stream.Enqueue(Work(Row(i), $"copy-{i}"));
        }
        // Every copy has reached the worker, which will never answer them.
        await Wait.UntilAsync(() => silent.RowsReceived == 3);
        Assert.Empty(calls);

        stream.Expire(System.Diagnostics.Stopwatch.GetTimestamp(), "no answer within 1 s");
        stream.Expire(System.Diagnostics.Stopwatch.GetTimestamp(), "expired twice");

        // Expire reports what it gives up on before it returns.
        Assert.Equal(["copy-0", "copy-1", "copy-2"], calls.Select(c => c.Id).Order());
        Assert.All(calls, c => Assert.Equal("no answer within 1 s", c.Failure));
        Assert.Equal(0, stream.Waiting);
    }

    /// <summary>A shadow copy of <paramref name="request"/> carrying <paramref name="id"/>.</summary>
    internal static ShadowWork Work(ModelInferRequest request, string id)
    {
        request.Id = id;
        return new ShadowWork(request.ModelName, "1", request.ModelVersion, id, request.ToByteArray(), ReadOnlyMemory<byte>.Empty);
    }
}
