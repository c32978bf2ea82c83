using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Google.Protobuf;
using Inference;
using Microsoft.AspNetCore.Builder;
using MlopsGateway.Gateway.Internal;
using MlopsGateway.Monitoring;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Models;
using DataType = Onnx.TensorProto.Types.DataType;

namespace MlopsGateway.Tests.Functional;

/// <summary>Shadow copies merged into one request for a real worker, and what happens when the worker refuses the merge.</summary>
public sealed class ShadowBatchFunctionalTests : IAsyncLifetime
{
    private const int WideRow = 200_000;
    private readonly string _repository = TestModels.NewRepository();
    private readonly LogCollector _logs = new();
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
        // Built before the first is queued, so all twelve are queued within microseconds of the window opening.
        var works = Enumerable.Range(0, 12).Select(i => StreamInferFunctionalTests.Work(StreamInferFunctionalTests.Row(i, version: "2"), $"copy-{i}")).ToList();
        var (outcomes, stream) = Collect(TimeSpan.FromMilliseconds(500));
        using (stream)
        {
            works.ForEach(stream.Enqueue);
            await Wait.UntilAsync(() => Task.FromResult(outcomes.Count == 12));
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
        // A window far longer than the test: only a full message's worth of copies can end it.
        var (outcomes, stream) = Collect(TimeSpan.FromMinutes(5));
        using (stream)
        {
            for (var i = 0; i < ShadowBatch.MaxRows - 1; i++)
            {
                stream.Enqueue(StreamInferFunctionalTests.Work(StreamInferFunctionalTests.Row(i, version: "2"), $"copy-{i}"));
            }
            await Task.Delay(300);
            Assert.Empty(outcomes);

            stream.Enqueue(StreamInferFunctionalTests.Work(StreamInferFunctionalTests.Row(99, version: "2"), "copy-last"));
            await Wait.UntilAsync(() => Task.FromResult(outcomes.Count == ShadowBatch.MaxRows));
        }

        Assert.All(outcomes.Values, o => Assert.Equal("", o.Answer!.ErrorMessage));
        Assert.Equal([(double)ShadowBatch.MaxRows], _metrics.Values("mlops.worker.batch.size", ("model", "propensity"), ("version", "2")));
    }

    [Fact]
    public async Task ShadowStream_CopiesOverAMessagesBytes_MergedUpToTheLimitEachAnswered()
    {
        // Built before the first is queued: building and serialising 800 KB copies one by one took longer
        // than the window on a slow machine, and the last copies fell into a second window.
        var works = new List<ShadowWork>();
        for (var i = 0; i < 12; i++)
        {
            var request = new ModelInferRequest { ModelName = "wide" };
            TestRequests.AddInput(request, "x", "FP32", [1, WideRow], c => c.Fp32Contents.Add(Enumerable.Repeat((float)i, WideRow)));
            works.Add(StreamInferFunctionalTests.Work(request, $"copy-{i}"));
        }
        var (outcomes, stream) = Collect(TimeSpan.FromMilliseconds(500));
        using (stream)
        {
            works.ForEach(stream.Enqueue);
            await Wait.UntilAsync(() => Task.FromResult(outcomes.Count == 12));
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
        var (outcomes, stream) = Collect(TimeSpan.FromMilliseconds(50));
        using (stream)
        {
            for (var i = 0; i < 10; i++)
            {
                stream.Enqueue(StreamInferFunctionalTests.Work(Fixed(i), $"copy-{i}"));
                if (i == 4)
                {
                    // The second five come after the refusal: they go alone from the start.
                    await Wait.UntilAsync(() => Task.FromResult(outcomes.Count == 5));
                }
            }
            await Wait.UntilAsync(() => Task.FromResult(outcomes.Count == 10));
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
        var (outcomes, stream) = Collect(TimeSpan.FromMilliseconds(50));
        using (stream)
        {
            for (var i = 0; i < 6; i++)
            {
                var row = StreamInferFunctionalTests.Row(i, version: "2");
                if (i == 3)
                {
                    row.Inputs[0].Contents.Fp32Contents.RemoveAt(4);   // shape [1, 5], four values
                }
                stream.Enqueue(StreamInferFunctionalTests.Work(row, $"copy-{i}"));
            }
            await Wait.UntilAsync(() => Task.FromResult(outcomes.Count == 6));
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
        var (outcomes, stream) = Collect(TimeSpan.FromMilliseconds(100));
        using (stream)
        {
            var first = Enumerable.Range(0, 6).Select(i =>
            {
                var row = StreamInferFunctionalTests.Row(i, version: "2");
                if (i == 3)
                {
                    row.Inputs[0].Contents.Fp32Contents.RemoveAt(4);   // shape [1, 5], four values
                }
                return StreamInferFunctionalTests.Work(row, $"first-{i}");
            }).ToList();
            first.ForEach(stream.Enqueue);
            await Wait.UntilAsync(() => Task.FromResult(outcomes.Count == 6));

            // The same shape as before, all well formed: the one bad copy must not have stopped merging.
            var second = Enumerable.Range(0, 6).Select(i => StreamInferFunctionalTests.Work(StreamInferFunctionalTests.Row(10 + i, version: "2"), $"second-{i}")).ToList();
            second.ForEach(stream.Enqueue);
            await Wait.UntilAsync(() => Task.FromResult(outcomes.Count == 12));
        }

        Assert.StartsWith("InvalidArgument: ", outcomes["first-3"].Answer!.ErrorMessage);
        Assert.All(outcomes.Where(o => o.Key != "first-3").Select(o => o.Value), o => Assert.Equal("", o.Answer!.ErrorMessage));
        // The merged six that failed, then the five good ones alone (the bad one alone failed), then the second six as one.
        Assert.Equal(6, Requests("propensity", "OK"));
        Assert.Equal(2, Requests("propensity", "InvalidArgument"));
        Assert.Contains(6.0, _metrics.Values("mlops.worker.batch.size", ("model", "propensity"), ("version", "2")));
    }

    private (ConcurrentDictionary<string, (ModelStreamInferResponse? Answer, string? Failure)> Outcomes, ShadowStream Stream) Collect(TimeSpan gather)
    {
        var outcomes = new ConcurrentDictionary<string, (ModelStreamInferResponse?, string?)>();
        var stream = new ShadowStream(_address, (work, answer, failure) => Assert.True(outcomes.TryAdd(work.Id, (answer, failure))), gather);
        return (outcomes, stream);
    }

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
