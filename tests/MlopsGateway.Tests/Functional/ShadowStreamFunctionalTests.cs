using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Google.Protobuf;
using Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Time.Testing;
using MlopsGateway.Gateway.Shadow;
using MlopsGateway.Monitoring;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Models;
using DataType = Onnx.TensorProto.Types.DataType;

namespace MlopsGateway.Tests.Functional;

/// <summary>
/// Shadow streams to a real worker: copies answered each with its own outputs, copies merged into one
/// request and what happens when the worker refuses the merge, and copies that get no answer. The
/// gather window runs on a fake clock, advanced only while a test waits for outcomes, so which copies
/// share a window is decided by the test, not by how fast this machine is.
/// </summary>
public sealed class ShadowStreamFunctionalTests : IAsyncLifetime
{
    private const int WideRow = 200_000;
    private readonly string _repository = TestModels.NewRepository();
    private readonly LogCollector _logs = new();
    private readonly FakeTimeProvider _time = new();
    private WebApplication _worker = null!;
    private MetricsRecorder _metrics = null!;
    private string _address = "";

    public async Task InitializeAsync()
    {
        // "fixed": y = x + x with x [1, 3]: a model that takes exactly one row per run.
        new OnnxModelBuilder("fixed")
            .Input("x", DataType.Float, 1, 3)
            .Node("Add", ["x", "x"], ["y"])
            .Output("y", DataType.Float, 1, 3)
            .Save(Path.Combine(_repository, "fixed", "1", ModelRepository.ModelFileName));
        // "wide": y = x with rows of 200,000 values (800 KB a row): a few copies fill a message's bytes before its rows.
        new OnnxModelBuilder("wide")
            .Input("x", DataType.Float, "batch", WideRow)
            .Node("Identity", ["x"], ["y"])
            .Output("y", DataType.Float, "batch", WideRow)
            .Save(Path.Combine(_repository, "wide", "1", ModelRepository.ModelFileName));
        _worker = WorkerHost.Build(new IPEndPoint(IPAddress.Loopback, 0), o => o.ModelRepository = _repository, _logs.Configure);
        await _worker.StartAsync();
        _metrics = new MetricsRecorder(_worker);
        _address = ServerEndpoints.GrpcAddress(_worker);
    }

    public async Task DisposeAsync()
    {
        _metrics.Dispose();
        await _worker.StopAsync();
        await _worker.DisposeAsync();
        Directory.Delete(_repository, recursive: true);
    }

    public static TheoryData<string> Kinds => ["dtypes, typed contents", "propensity, raw contents"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Merge_PartsOfOneTwoAndThreeRows_EachSplitAnswerEqualsThePartAnsweredAlone(string kind)
    {
        var client = StackFixture.Client(_address);
        ModelInferRequest[] parts = kind.StartsWith("dtypes", StringComparison.Ordinal)
            ? [Dtypes(1, 0), Dtypes(2, 10), Dtypes(3, 20)]
            : [.. Enumerable.Range(1, 3).Select(rows => TestRequests.Propensity("propensity",
                [.. Enumerable.Range(0, rows).Select(r => new[] { rows + r, 12.5f, r % 3, 14f, 4f })], raw: true, version: "2"))];

        var merged = await client.ModelInferAsync(ShadowBatch.Merge(parts, "batch-1"));
        Assert.True(ShadowBatch.TrySplit(merged, [1, 2, 3], out var split));

        for (var i = 0; i < parts.Length; i++)
        {
            var alone = await client.ModelInferAsync(parts[i]);
            Assert.Equal(alone.Outputs, split[i].Outputs);
            Assert.Equal(alone.RawOutputContents, split[i].RawOutputContents);
        }
    }

    [Fact]
    public async Task ShadowStream_CopiesWithinAWindow_OneRequestAtTheWorkerEachCopyItsOwnAnswer()
    {
        var window = TimeSpan.FromMilliseconds(500);
        var (outcomes, stream) = Collect(window);
        using (stream)
        {
            for (var i = 0; i < 12; i++)
            {
                stream.Enqueue(Work(StreamInferFunctionalTests.Row(i, version: "2"), $"copy-{i}"));
            }
            await UntilAsync(outcomes, 12, window);
        }

        // Twelve copies of one row, queued well inside the window: one merged request of 12 rows.
        Assert.Equal(1, Requests("propensity", "OK"));
        Assert.Equal([12.0], _metrics.Values("mlops.worker.batch.size", ("model", "propensity"), ("version", "2")));
        var client = StackFixture.Client(_address);
        for (var i = 0; i < 12; i++)
        {
            var (answer, failure) = outcomes[$"copy-{i}"];
            Assert.Null(failure);
            Assert.Equal($"copy-{i}", answer!.InferResponse.Id);
            Assert.Equal((await client.ModelInferAsync(StreamInferFunctionalTests.Row(i, version: "2"))).Outputs, answer.InferResponse.Outputs);
        }
    }

    [Fact]
    public async Task ShadowStream_FullMessageQueued_SentBeforeTheWindowEnds()
    {
        // The clock never moves: only a full message's worth of copies can end the window.
        var (outcomes, stream) = Collect(TimeSpan.FromMinutes(5));
        using (stream)
        {
            for (var i = 0; i < ShadowBatch.MaxRows - 1; i++)
            {
                stream.Enqueue(Work(StreamInferFunctionalTests.Row(i, version: "2"), $"copy-{i}"));
            }
            stream.Enqueue(Work(StreamInferFunctionalTests.Row(99, version: "2"), "copy-last"));
            await UntilAsync(outcomes, ShadowBatch.MaxRows, TimeSpan.Zero);
        }

        Assert.All(outcomes.Values, o => Assert.Equal("", o.Answer!.ErrorMessage));
        // One request of every copy: none went out before the last one filled the message.
        Assert.Equal(1, Requests("propensity", "OK"));
        Assert.Equal([(double)ShadowBatch.MaxRows], _metrics.Values("mlops.worker.batch.size", ("model", "propensity"), ("version", "2")));
    }

    [Fact]
    public async Task ShadowStream_CopiesOverAMessagesBytes_MergedUpToTheLimitEachAnswered()
    {
        var window = TimeSpan.FromMilliseconds(500);
        var (outcomes, stream) = Collect(window);
        using (stream)
        {
            for (var i = 0; i < 12; i++)
            {
                var request = new ModelInferRequest { ModelName = "wide" };
                TestRequests.AddInput(request, "x", "FP32", [1, WideRow], c => c.Fp32Contents.Add(Enumerable.Repeat((float)i, WideRow)));
                stream.Enqueue(Work(request, $"copy-{i}"));
            }
            await UntilAsync(outcomes, 12, window);
        }

        // About 800 KB a copy: five fit in 4 MiB, so 12 copies take three requests (5, 5 and 2).
        Assert.Equal(3, Requests("wide", "OK"));
        for (var i = 0; i < 12; i++)
        {
            var values = outcomes[$"copy-{i}"].Answer!.InferResponse.Outputs[0].Contents.Fp32Contents;
            Assert.Equal(WideRow, values.Count);
            Assert.All(values, v => Assert.Equal(i, v));
        }
    }

    [Fact]
    public async Task ShadowStream_VersionTakingOneRowPerRun_MergeRefusedOnceThenEveryCopyAnsweredAlone()
    {
        var window = TimeSpan.FromMilliseconds(50);
        var (outcomes, stream) = Collect(window);
        using (stream)
        {
            for (var i = 0; i < 10; i++)
            {
                stream.Enqueue(Work(Fixed(i), $"copy-{i}"));
                if (i == 4)
                {
                    // The second five come after the refusal: they go alone from the start.
                    await UntilAsync(outcomes, 5, window);
                }
            }
            await UntilAsync(outcomes, 10, window);
            Assert.Equal(0, stream.Waiting);
        }

        Assert.Equal(1, Requests("fixed", "InvalidArgument"));
        Assert.Equal(10, Requests("fixed", "OK"));
        for (var i = 0; i < 10; i++)
        {
            var (answer, failure) = outcomes[$"copy-{i}"];
            Assert.Null(failure);
            Assert.Equal("", answer!.ErrorMessage);
            Assert.Equal([2f * i, 2f, 4f], answer.InferResponse.Outputs[0].Contents.Fp32Contents);
        }
    }

    [Fact]
    public async Task ShadowStream_OneMalformedCopyAmongMerged_OnlyThatCopyFailsTheOthersAreAnswered()
    {
        var window = TimeSpan.FromMilliseconds(50);
        var (outcomes, stream) = Collect(window);
        using (stream)
        {
            QueueSixOneMalformed(stream, "copy");
            await UntilAsync(outcomes, 6, window);
        }

        var client = StackFixture.Client(_address);
        Assert.All(outcomes.Values, o => Assert.Null(o.Failure));
        Assert.StartsWith("InvalidArgument: ", outcomes["copy-3"].Answer!.ErrorMessage);
        foreach (var i in new[] { 0, 1, 2, 4, 5 })
        {
            var answer = outcomes[$"copy-{i}"].Answer!;
            Assert.Equal("", answer.ErrorMessage);
            Assert.Equal((await client.ModelInferAsync(StreamInferFunctionalTests.Row(i, version: "2"))).Outputs, answer.InferResponse.Outputs);
        }
    }

    [Fact]
    public async Task ShadowStream_OneMalformedCopyAmongMerged_LaterCopiesStillMerged()
    {
        var window = TimeSpan.FromMilliseconds(100);
        var (outcomes, stream) = Collect(window);
        using (stream)
        {
            QueueSixOneMalformed(stream, "first");
            await UntilAsync(outcomes, 6, window);

            // The same shape as before, all well formed: the one bad copy must not have stopped merging.
            for (var i = 0; i < 6; i++)
            {
                stream.Enqueue(Work(StreamInferFunctionalTests.Row(10 + i, version: "2"), $"second-{i}"));
            }
            await UntilAsync(outcomes, 12, window);
        }

        Assert.StartsWith("InvalidArgument: ", outcomes["first-3"].Answer!.ErrorMessage);
        Assert.All(outcomes.Where(o => o.Key != "first-3").Select(o => o.Value), o => Assert.Equal("", o.Answer!.ErrorMessage));
        // The merged six that failed, then the five good ones alone (the bad one alone failed), then the second six as one.
        Assert.Equal(6, Requests("propensity", "OK"));
        Assert.Equal(2, Requests("propensity", "InvalidArgument"));
        Assert.Contains(6.0, _metrics.Values("mlops.worker.batch.size", ("model", "propensity"), ("version", "2")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(50)]
    public async Task ShadowStream_LiveWorker_EachCopyAnsweredWithItsOwnOutputs(int gatherMs)
    {
        var window = TimeSpan.FromMilliseconds(gatherMs);
        var (outcomes, stream) = Collect(window);
        using (stream)
        {
            // In three bursts, each answered before the next is queued: with a gather window the
            // copies of a burst go out together, and every one must still arrive and be answered.
            for (var burst = 0; burst < 3; burst++)
            {
                for (var i = burst * 10; i < burst * 10 + 10; i++)
                {
                    stream.Enqueue(Work(StreamInferFunctionalTests.Row(i, version: "2"), $"copy-{i}"));
                }
                await UntilAsync(outcomes, burst * 10 + 10, window);
            }
            Assert.Equal(0, stream.Waiting);
        }

        // A window of zero sends each copy alone; one of 50 ms sends each burst as one request.
        Assert.Equal(gatherMs == 0 ? 30 : 3, Requests("propensity", "OK"));
        var client = StackFixture.Client(_address);
        for (var i = 0; i < 30; i++)
        {
            var (answer, failure) = outcomes[$"copy-{i}"];
            Assert.Null(failure);
            Assert.Equal("2", answer!.InferResponse.ModelVersion);
            Assert.Equal((await client.ModelInferAsync(StreamInferFunctionalTests.Row(i, version: "2"))).Outputs, answer.InferResponse.Outputs);
        }
    }

    [Fact]
    public async Task ShadowStream_NoWorkerListening_EveryCopyFailsOnceWithTheReason()
    {
        using var stream = new ShadowStream("http://127.0.0.1:9", Record, time: _time);
        for (var i = 0; i < 5; i++)
        {
            stream.Enqueue(Work(StreamInferFunctionalTests.Row(i), $"copy-{i}"));
        }

        await UntilAsync(_outcomes, 5, TimeSpan.Zero);
        // The one sending loop takes a copy queued now only after it has done with the first call:
        // once this one has failed, nothing about the first five is left to report (Record fails a second report).
        stream.Enqueue(Work(StreamInferFunctionalTests.Row(5), "copy-5"));
        await Wait.UntilAsync(() => _outcomes.ContainsKey("copy-5"));

        Assert.Equal(6, _outcomes.Count);
        Assert.All(_outcomes.Values, o => Assert.StartsWith("Unavailable: ", o.Failure));
        Assert.Equal(0, stream.Waiting);
    }

    [Fact]
    public async Task Expire_WorkerNeverAnswers_SentAndQueuedCopiesFailOnceWithTheReason()
    {
        await using var silent = new SilentWorker();
        using var stream = new ShadowStream(silent.Address, Record, time: _time);
        for (var i = 0; i < 3; i++)
        {
            stream.Enqueue(Work(StreamInferFunctionalTests.Row(i), $"copy-{i}"));
        }
        // Every copy has reached the worker, which will never answer them.
        await Wait.UntilAsync(() => silent.RowsReceived == 3);

        // Expiry goes by the stream's clock: before a second has passed on it, nothing is old enough.
        stream.Expire(TimeSpan.FromSeconds(1), "too early");
        Assert.Empty(_outcomes);
        _time.Advance(TimeSpan.FromSeconds(1));
        stream.Expire(TimeSpan.FromSeconds(1), "no answer within 1 s");
        stream.Expire(TimeSpan.Zero, "expired twice");

        // Expire reports what it gives up on before it returns.
        Assert.Equal(["copy-0", "copy-1", "copy-2"], _outcomes.Keys.Order());
        Assert.All(_outcomes.Values, o => Assert.Equal("no answer within 1 s", o.Failure));
        Assert.Equal(0, stream.Waiting);
    }

    /// <summary>Queues six one-row copies, <c>{prefix}-0</c> to <c>{prefix}-5</c>; the fourth is malformed.</summary>
    private static void QueueSixOneMalformed(ShadowStream stream, string prefix)
    {
        for (var i = 0; i < 6; i++)
        {
            var row = StreamInferFunctionalTests.Row(i, version: "2");
            if (i == 3)
            {
                row.Inputs[0].Contents.Fp32Contents.RemoveAt(4);   // shape [1, 5], four values
            }
            stream.Enqueue(Work(row, $"{prefix}-{i}"));
        }
    }

    /// <summary>A shadow copy of <paramref name="request"/> carrying <paramref name="id"/>.</summary>
    internal static ShadowWork Work(ModelInferRequest request, string id)
    {
        request.Id = id;
        return new ShadowWork(request.ModelName, "1", request.ModelVersion, id, request.ToByteArray(), ReadOnlyMemory<byte>.Empty);
    }

    private readonly ConcurrentDictionary<string, (ModelStreamInferResponse? Answer, string? Failure)> _outcomes = new();

    /// <summary>Keeps one copy's outcome; a second outcome for a copy fails the test.</summary>
    private void Record(ShadowWork work, ModelStreamInferResponse? answer, string? failure) =>
        Assert.True(_outcomes.TryAdd(work.Id, (answer, failure)), $"{work.Id} was reported twice");

    private (ConcurrentDictionary<string, (ModelStreamInferResponse? Answer, string? Failure)> Outcomes, ShadowStream Stream) Collect(TimeSpan gather) =>
        (_outcomes, new ShadowStream(_address, Record, gather, _time));

    /// <summary>
    /// Waits until <paramref name="count"/> copies have an outcome, moving the fake clock on by
    /// <paramref name="window"/> at each look, so that a window open now ends only once the test waits.
    /// </summary>
    private Task UntilAsync(ConcurrentDictionary<string, (ModelStreamInferResponse? Answer, string? Failure)> outcomes, int count, TimeSpan window) =>
        Wait.UntilAsync(() =>
        {
            _time.Advance(window);
            return Task.FromResult(outcomes.Count >= count);
        });

    private int Requests(string model, string status) =>
        (int)_metrics.Values("mlops.worker.requests", ("model", model), ("status", status)).Sum();

    private static ModelInferRequest Fixed(int i)
    {
        var request = new ModelInferRequest { ModelName = "fixed" };
        TestRequests.AddInput(request, "x", "FP32", [1, 3], c => c.Fp32Contents.Add([i, 1f, 2f]));
        return request;
    }

    /// <summary>A dtypes request of <paramref name="rows"/> rows, every value offset by <paramref name="at"/>.</summary>
    private static ModelInferRequest Dtypes(int rows, int at)
    {
        var request = new ModelInferRequest { ModelName = "dtypes", Id = at.ToString(CultureInfo.InvariantCulture) };
        TestRequests.AddInput(request, "x_fp32", "FP32", [rows, 3], c => c.Fp32Contents.Add(Enumerable.Range(at, rows * 3).Select(v => v + 0.5f)));
        TestRequests.AddInput(request, "x_fp64", "FP64", [rows, 2], c => c.Fp64Contents.Add(Enumerable.Range(at, rows * 2).Select(v => v + 0.25)));
        TestRequests.AddInput(request, "x_i32", "INT32", [rows], c => c.IntContents.Add(Enumerable.Range(at, rows)));
        TestRequests.AddInput(request, "x_i64", "INT64", [rows, 2], c => c.Int64Contents.Add(Enumerable.Range(at, rows * 2).Select(v => (long)v << 33)));
        TestRequests.AddInput(request, "x_bool", "BOOL", [rows], c => c.BoolContents.Add(Enumerable.Range(at, rows).Select(v => v % 2 == 0)));
        return request;
    }
}
