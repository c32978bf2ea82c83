using Google.Protobuf;
using Inference;
using Microsoft.Extensions.Time.Testing;
using Microsoft.ML.OnnxRuntime;
using MlopsGateway.Worker.Batching;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Serving;
using DataType = Onnx.TensorProto.Types.DataType;

namespace MlopsGateway.Tests.Worker.Batching;

/// <summary>
/// The merged ONNX Runtime run on real models built in code: rows copied in request order, outputs
/// split back per request in each request's own encoding, and a merged run that one request breaks
/// rerun request by request so that only that request fails.
/// </summary>
public sealed class BatchRunnerTests : IAsyncLifetime
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);
    private static readonly float[] s_table = [10, 11, 20, 21, 30, 31];
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new();
    private ModelRepository _repository = null!;

    public Task InitializeAsync()
    {
        // twice: y = x + x, FP32 [batch, 2].
        new OnnxModelBuilder("twice")
            .Input("x", DataType.Float, "batch", 2)
            .Node("Add", ["x", "x"], ["y"])
            .Output("y", DataType.Float, "batch", 2)
            .Save(Path.Combine(_root, "twice", "1", ModelRepository.ModelFileName));
        // lookup: row i of a 3×2 table per index; an index past the table fails the run.
        new OnnxModelBuilder("lookup")
            .Input("index", DataType.Int64, "batch")
            .Initializer("table", [3, 2], s_table)
            .Node("Gather", ["table", "index"], ["row"], OnnxModelBuilder.Int("axis", 0))
            .Output("row", DataType.Float, "batch", 2)
            .Save(Path.Combine(_root, "lookup", "1", ModelRepository.ModelFileName));
        // Requests wait for the fake clock, so the test decides when the merged batch runs.
        File.WriteAllText(Path.Combine(_root, "lookup", ModelConfig.FileName), """{ "max_queue_delay_us": 1000000 }""");
        _repository = new ModelRepository(_root, time: _time);
        _repository.Load();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _repository.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private ModelVersion Model(string name)
    {
        Assert.True(_repository.TryResolve(name, "1", out var model));
        return model!;
    }

    [Fact]
    public void Run_RequestsOfDifferentRowCounts_EachGetsItsOwnRowsBack()
    {
        var model = Model("twice");
        float[][] rows = [[1, 2], [3, 4, 5, 6, 7, 8], [-1, -2, -3, -4]];
        var items = rows.Select((values, i) => Item(model, $"r{i}", Fp32("x", values), raw: false)).ToArray();

        var responses = BatchRunner.Run(model, items);

        Assert.Equal(["r0", "r1", "r2"], responses.Select(r => r.Id));
        for (var i = 0; i < rows.Length; i++)
        {
            var output = Assert.Single(responses[i].Outputs);
            Assert.Equal("y", output.Name);
            Assert.Equal([rows[i].Length / 2L, 2L], output.Shape);
            Assert.Equal(rows[i].Select(v => v * 2), output.Contents.Fp32Contents);
            Assert.Equal(("twice", "1"), (responses[i].ModelName, responses[i].ModelVersion));
        }
    }

    [Fact]
    public void Run_RawAndTypedRequestsMerged_EachAnsweredInItsOwnEncoding()
    {
        var model = Model("twice");
        var typed = Item(model, "typed", Fp32("x", [1, 2]), raw: false);
        var raw = Item(model, "raw", RawFp32("x", [3, 4, 5, 6]), raw: true);

        var responses = BatchRunner.Run(model, [typed, raw]);

        Assert.Equal([2f, 4f], responses[0].Outputs[0].Contents.Fp32Contents);
        Assert.Empty(responses[0].RawOutputContents);
        Assert.Null(responses[1].Outputs[0].Contents);
        Assert.Equal([2L, 2L], responses[1].Outputs[0].Shape);
        var bytes = Assert.Single(responses[1].RawOutputContents).ToByteArray();
        Assert.Equal([6f, 8f, 10f, 12f], Enumerable.Range(0, 4).Select(i => BitConverter.ToSingle(bytes, i * 4)));
    }

    [Fact]
    public void Run_OneRequestOutOfRange_TheMergedRunFails()
    {
        var model = Model("lookup");

        var ex = Assert.Throws<OnnxRuntimeException>(() =>
            BatchRunner.Run(model, [Item(model, "good", Int64("index", [0]), raw: false), Item(model, "bad", Int64("index", [7]), raw: false)]));

        Assert.Contains("out of", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Batcher_OneRequestBreaksTheMergedRun_RerunAloneSoOnlyItFails()
    {
        var model = Model("lookup");
        var good1 = Submit(model, "good1", [2, 0]);
        var bad = Submit(model, "bad", [7]);
        var good2 = Submit(model, "good2", [1]);

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([30f, 31f, 10f, 11f], (await good1.WaitAsync(s_timeout)).Outputs[0].Contents.Fp32Contents);
        Assert.Equal([20f, 21f], (await good2.WaitAsync(s_timeout)).Outputs[0].Contents.Fp32Contents);
        await Assert.ThrowsAsync<OnnxRuntimeException>(() => bad.WaitAsync(s_timeout));
        // One batch of all four rows was formed (and then rerun request by request), not three runs.
        Assert.Equal(1, model.Batcher.Runs);
        Assert.Equal(4, model.Batcher.RowsRun);
    }

    private Task<ModelInferResponse> Submit(ModelVersion model, string id, long[] indexes)
    {
        var item = Item(model, id, Int64("index", indexes), raw: false);
        return model.Batcher.SubmitAsync(item, item.Rows, InferItem.BatchKey(item.Inputs, item.Outputs), null, default);
    }

    private InferItem Item(ModelVersion model, string id, ModelInferRequest request, bool raw)
    {
        request.Id = id;
        var (inputs, outputs) = InferRequestValidator.Validate(request, model.Label, model.Inputs, model.Outputs);
        return new InferItem(inputs, outputs, raw, id, inputs[0].Shape[0], _time.GetTimestamp());
    }

    private static ModelInferRequest Fp32(string name, float[] values)
    {
        var tensor = Tensor(name, "FP32", values.Length / 2, 2);
        tensor.Contents = new InferTensorContents { Fp32Contents = { values } };
        return new ModelInferRequest { Inputs = { tensor } };
    }

    private static ModelInferRequest RawFp32(string name, float[] values)
    {
        var request = new ModelInferRequest { Inputs = { Tensor(name, "FP32", values.Length / 2, 2) } };
        request.RawInputContents.Add(ByteString.CopyFrom(values.SelectMany(BitConverter.GetBytes).ToArray()));
        return request;
    }

    private static ModelInferRequest Int64(string name, long[] values)
    {
        var tensor = Tensor(name, "INT64", values.Length);
        tensor.Contents = new InferTensorContents { Int64Contents = { values } };
        return new ModelInferRequest { Inputs = { tensor } };
    }

    private static ModelInferRequest.Types.InferInputTensor Tensor(string name, string datatype, params long[] shape) =>
        new() { Name = name, Datatype = datatype, Shape = { shape } };
}
