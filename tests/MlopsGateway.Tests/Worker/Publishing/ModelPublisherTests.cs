using MlopsGateway.Registry.Artifacts;
using MlopsGateway.Registry.Models;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker.Publishing;

namespace MlopsGateway.Tests.Worker.Publishing;

public class ModelPublisherTests
{
    [Fact]
    public async Task PushAsync_RealOnnxFile_RecordsItsHashAndSignatureAndCopiesItIntoTheStore()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var models = PublishedModels.Over(redis);

        var pushed = await models.PushAsync("1");

        var record = pushed.Record;
        Assert.True(pushed.Created);
        Assert.Equal((ModelStatus.Ready, "1"), (record.Status, record.Version));
        Assert.Equal(await FileHash.Sha256Async(models.Propensity("1")), record.Sha256);
        Assert.Equal(new FileInfo(models.Propensity("1")).Length, record.Size);
        Assert.Equal(["features FP32 [-1, 5]"], record.Signature.Inputs.Select(t => t.Describe()));
        Assert.Equal(["probabilities FP32 [-1, 2]", "label INT64 [-1]"], record.Signature.Outputs.Select(t => t.Describe()));
        Assert.Equal(File.ReadAllBytes(models.Propensity("1")), File.ReadAllBytes(models.Store.PathOf(record)));
        Assert.Equal(Path.Combine(models.Store.Root, models.Model, "1", "model.onnx"), models.Store.PathOf(record));
    }

    [Fact]
    public async Task PushAsync_SameFileAgain_UnchangedAndTheSecondFileIsVersion2()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var models = PublishedModels.Over(redis);
        await models.PushAsync("1");

        var again = await models.PushAsync("1");
        var next = await models.PushAsync("2");

        Assert.Equal((false, "1"), (again.Created, again.Record.Version));
        Assert.Equal((true, "2"), (next.Created, next.Record.Version));
    }

    [Fact]
    public async Task PushAsync_SameFileAgainAfterTheStoreLostIt_UnchangedAndTheFileIsBack()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var models = PublishedModels.Over(redis);
        var first = await models.PushAsync("1");
        File.Delete(models.Store.PathOf(first.Record));

        var again = await models.PushAsync("1");

        Assert.Equal((false, "1"), (again.Created, again.Record.Version));
        Assert.Equal(File.ReadAllBytes(models.Propensity("1")), File.ReadAllBytes(models.Store.PathOf(again.Record)));
    }

    [Fact]
    public async Task PushAsync_FileOnnxRuntimeCannotLoad_RecordedFailedWithTheReasonAndNotCopied()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var models = PublishedModels.Over(redis);
        var junk = Path.Combine(models.Files, "junk.onnx");
        await File.WriteAllTextAsync(junk, "this is not a model");

        var pushed = await models.Publisher.PushAsync(junk, new ModelPushRequest(models.Model, "alice"));

        Assert.Equal(ModelStatus.Failed, pushed.Record.Status);
        Assert.Contains("ONNX Runtime could not load it", pushed.Record.StatusReason);
        Assert.Empty(pushed.Record.Signature.Inputs);
        Assert.False(File.Exists(models.Store.PathOf(pushed.Record)));
        Assert.Equal(ModelStatus.Failed, (await models.Registry.GetAsync(models.Model, "1"))!.Status);
    }

    [Fact]
    public async Task PushAsync_StoreHoldsADifferentFileForThatVersion_NeverOverwrittenAndRecordedFailed()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var models = PublishedModels.Over(redis);
        var squatter = Path.Combine(models.Store.Root, models.Model, "1", "model.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(squatter)!);
        await File.WriteAllTextAsync(squatter, "someone else's file");

        var pushed = await models.PushAsync("1");

        Assert.Equal(ModelStatus.Failed, pushed.Record.Status);
        Assert.Contains("never overwrites", pushed.Record.StatusReason);
        Assert.Equal("someone else's file", await File.ReadAllTextAsync(squatter));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(squatter)!, "*.partial", SearchOption.AllDirectories));
    }
}
