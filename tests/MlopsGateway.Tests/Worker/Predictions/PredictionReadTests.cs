using Google.Protobuf;
using Inference;
using MlopsGateway.Registry.Feedback;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Predictions;

namespace MlopsGateway.Tests.Worker.Predictions;

/// <summary>What the request path reads from an answer: its ids, and the same records from typed and raw contents.</summary>
public sealed class PredictionReadTests
{
    [Fact]
    public void New_IsAUuidV7OfItsTimeAndUnique()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_764_662_400_123);

        var ids = Enumerable.Range(0, 1000).Select(_ => PredictionIds.New(at)).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id =>
        {
            Assert.Matches("^[0-9a-f]{32}$", id);
            var guid = Guid.ParseExact(id, "N");
            Assert.Equal(7, guid.Version);
            Assert.Equal(0b10, guid.Variant >> 2);
            Assert.Equal(at, FeedbackStore.IdTime(id));
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Read_TwoRowsOfLabelsAndProbabilities_OneRecordPerRowTypedOrRaw(bool raw)
    {
        var outputs = await PropensityOutputsAsync();
        var response = Answer(raw, labels: [1, 0], probabilities: [0.25f, 0.75f, 0.9f, 0.1f]);
        var at = DateTimeOffset.UnixEpoch;

        var records = outputs.Read(response, "call", at);

        Assert.Equal(2, records.Count);
        Assert.Equal(new PredictionRecord("propensity", "call#0", "1", at, 1, null), records[0] with { Probabilities = null });
        Assert.Equal([0.25f, 0.75f], records[0].Probabilities);
        Assert.Equal(("call#1", 0), (records[1].Id, records[1].Class));
        Assert.Equal([0.9f, 0.1f], records[1].Probabilities);
    }

    [Fact]
    public async Task Read_RawContentsNotWholeElements_Refused()
    {
        var response = Answer(raw: true, labels: [1], probabilities: [0.5f, 0.5f]);
        response.RawOutputContents[1] = ByteString.CopyFrom(1, 2, 3);

        var outputs = await PropensityOutputsAsync();

        Assert.Throws<ArgumentException>(() => outputs.Read(response, "call", DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public async Task Read_AnswerWithoutTheOutputs_NoRecords()
    {
        var response = new ModelInferResponse { ModelName = "propensity", ModelVersion = "1" };
        response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "other", Datatype = "FP32", Shape = { 1 } });

        var outputs = await PropensityOutputsAsync();

        Assert.Empty(outputs.Read(response, "call", DateTimeOffset.UnixEpoch));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Read_ProbabilitiesNotFinite_ClassKeptWithoutThem(bool raw)
    {
        // JSON has no NaN: written as it was, such a record failed its whole batch's write.
        var outputs = await PropensityOutputsAsync();
        var response = Answer(raw, labels: [1, 0], probabilities: [float.NaN, 0.75f, 0.9f, 0.1f]);

        var records = outputs.Read(response, "call", DateTimeOffset.UnixEpoch);

        Assert.Equal([("call#0", 1), ("call#1", 0)], records.Select(r => (r.Id, r.Class!.Value)));
        Assert.Null(records[0].Probabilities);
        Assert.Equal([0.9f, 0.1f], records[1].Probabilities);
    }

    [Fact]
    public async Task Read_ProbabilitiesNotFiniteAndNoClassOutput_RowLeftOut()
    {
        var outputs = await PropensityOutputsAsync();
        var response = Answer(raw: false, labels: [1, 0], probabilities: [0.25f, float.PositiveInfinity, 0.9f, 0.1f]);
        // Without the class output, the class would be the probabilities' argmax, which a NaN or infinity makes meaningless.
        response.Outputs.RemoveAt(1);

        var records = outputs.Read(response, "call", DateTimeOffset.UnixEpoch);

        Assert.Equal([("call#1", 0)], records.Select(r => (r.Id, r.Class!.Value)));
    }

    private static async Task<PredictionOutputs> PropensityOutputsAsync()
    {
        var folder = TestModels.NewRepository();
        try
        {
            await using var repository = new ModelRepository(folder);
            repository.Load();
            Assert.True(repository.TryResolve(SampleModels.Propensity, "1", out var model));
            return PredictionOutputs.Of(model!);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static ModelInferResponse Answer(bool raw, long[] labels, float[] probabilities)
    {
        var response = new ModelInferResponse { ModelName = "propensity", ModelVersion = "1" };
        var probabilityOutput = new ModelInferResponse.Types.InferOutputTensor { Name = "probabilities", Datatype = "FP32", Shape = { labels.Length, 2 } };
        var labelOutput = new ModelInferResponse.Types.InferOutputTensor { Name = "label", Datatype = "INT64", Shape = { labels.Length } };
        response.Outputs.Add(probabilityOutput);
        response.Outputs.Add(labelOutput);
        if (raw)
        {
            response.RawOutputContents.Add(ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(probabilities.AsSpan())));
            response.RawOutputContents.Add(ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(labels.AsSpan())));
        }
        else
        {
            probabilityOutput.Contents = new InferTensorContents { Fp32Contents = { probabilities } };
            labelOutput.Contents = new InferTensorContents { Int64Contents = { labels } };
        }
        return response;
    }
}
