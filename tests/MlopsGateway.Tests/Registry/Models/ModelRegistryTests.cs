using MlopsGateway.Registry.Models;
using MlopsGateway.Tests.Infrastructure;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Registry.Models;

public class ModelRegistryTests
{
    [Fact]
    public async Task PushAsync_NewFiles_NumberedPendingWhileCopiedThenReadyAuditedAndAnnounced()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var registry = new ModelRegistry(redis);
        var model = ModelRecords.NewModel();
        var announced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(registry.Keys.Changed), (_, message) =>
        {
            if (message == model)
            {
                announced.TrySetResult();
            }
        });
        ModelVersionRecord? seenWhileCopying = null;

        var first = await registry.PushAsync(ModelRecords.Draft(model, "one"), async pending =>
            seenWhileCopying = await registry.GetAsync(model, pending.Version));
        var second = await registry.PushAsync(ModelRecords.Draft(model, "two"));

        Assert.True(first.Created);
        Assert.Equal("1", first.Record.Version);
        Assert.Equal(ModelStatus.Pending, seenWhileCopying!.Status);
        Assert.Equal($"{model}/1/model.onnx", first.Record.Artifact);
        Assert.Equal(ModelStatus.Ready, (await registry.GetAsync(model, "1"))!.Status);
        Assert.Equal("2", second.Record.Version);
        Assert.Equal(ModelRecords.Sha("two"), (await registry.GetAsync(model, "2"))!.Sha256);
        Assert.Contains(model, await registry.ModelsAsync());
        var history = await registry.HistoryAsync(model);
        Assert.Equal(["2", "1"], history.Select(h => h.Version));
        Assert.All(history, h => Assert.Equal((ModelChange.Pushed, "alice"), (h.Action, h.By)));
        Assert.Contains(ModelRecords.Sha("one"), history[1].Detail);
        await announced.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task PushAsync_SameBytesAgain_NamesTheExistingVersionAndChangesNothing()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var registry = new ModelRegistry(redis);
        var model = ModelRecords.NewModel();
        await registry.PushAsync(ModelRecords.Draft(model, "one"));
        var copies = 0;

        var again = await registry.PushAsync(ModelRecords.Draft(model, "one", version: "5"), _ =>
        {
            copies++;
            return Task.CompletedTask;
        });

        Assert.False(again.Created);
        Assert.Equal("1", again.Record.Version);
        Assert.Equal(0, copies);
        Assert.Single((await registry.VersionsAsync(model)).Records);
        Assert.Single(await registry.HistoryAsync(model));
    }

    [Fact]
    public async Task PushAsync_OtherBytesUnderAnExistingVersion_RefusedNamingItsHash()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var registry = new ModelRegistry(redis);
        var model = ModelRecords.NewModel();
        await registry.PushAsync(ModelRecords.Draft(model, "one", version: "7"));

        var ex = await Assert.ThrowsAsync<ModelRegistryException>(() => registry.PushAsync(ModelRecords.Draft(model, "other", version: "7")));

        Assert.Contains(ModelRecords.Sha("one"), ex.Message);
        Assert.Contains("immutable", ex.Message);
        Assert.Equal(ModelRecords.Sha("one"), (await registry.GetAsync(model, "7"))!.Sha256);
        Assert.Equal("8", (await registry.PushAsync(ModelRecords.Draft(model, "other"))).Record.Version);
    }

    [Fact]
    public async Task PushAsync_FileThatDoesNotLoad_RecordedFailedWithItsReasonAndNotCopied()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var registry = new ModelRegistry(redis);
        var model = ModelRecords.NewModel();
        var copied = false;

        var result = await registry.PushAsync(ModelRecords.Draft(model, "junk", status: ModelStatus.Failed, reason: "not an ONNX graph"), _ =>
        {
            copied = true;
            return Task.CompletedTask;
        });

        Assert.False(copied);
        Assert.Equal((ModelStatus.Failed, "not an ONNX graph"), (result.Record.Status, result.Record.StatusReason));
        Assert.False((await registry.GetAsync(model, "1"))!.IsServable);
        Assert.Contains("FAILED: not an ONNX graph", (await registry.HistoryAsync(model))[0].Detail);
    }

    [Fact]
    public async Task PushAsync_CopyIntoTheStoreFails_RecordedFailedNamingWhy()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var registry = new ModelRegistry(redis);
        var model = ModelRecords.NewModel();

        var result = await registry.PushAsync(ModelRecords.Draft(model, "one"), _ => throw new IOException("disk full"));

        Assert.Equal(ModelStatus.Failed, result.Record.Status);
        Assert.Contains("disk full", result.Record.StatusReason);
    }

    [Fact]
    public async Task PushAsync_LeftPendingByAStoppedPush_FinishedByPushingTheSameBytes()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var registry = new ModelRegistry(redis);
        var model = ModelRecords.NewModel();
        await Assert.ThrowsAsync<HttpRequestException>(() => registry.PushAsync(ModelRecords.Draft(model, "one"), _ => throw new HttpRequestException("stopped")));
        Assert.Equal(ModelStatus.Pending, (await registry.GetAsync(model, "1"))!.Status);

        var resumed = await registry.PushAsync(ModelRecords.Draft(model, "one"), _ => Task.CompletedTask);

        Assert.Equal(("1", ModelStatus.Ready), (resumed.Record.Version, resumed.Record.Status));
    }

    [Theory]
    [InlineData(new string[0], "1")]
    [InlineData(new[] { "1", "3", "beta" }, "4")]
    [InlineData(new[] { "beta" }, "1")]
    public void NextVersion_HighestNumberPlusOne(string[] versions, string expected) =>
        Assert.Equal(expected, ModelRegistry.NextVersion(versions));

    [Theory]
    [InlineData("", "../etc", "version")]
    [InlineData("", "a/b", "version")]
    [InlineData("bad/model", "", "model name")]
    [InlineData("..", "", "model name")]
    public async Task PushAsync_NameThatIsNotOne_RefusedNamingWhich(string model, string version, string named)
    {
        await using var redis = await TestRedis.ConnectAsync();
        var registry = new ModelRegistry(redis);
        model = model.Length > 0 ? model : ModelRecords.NewModel();

        var ex = await Assert.ThrowsAsync<ModelRegistryException>(() => registry.PushAsync(ModelRecords.Draft(model, "one", version: version)));

        Assert.Contains(named, ex.Message);
        Assert.DoesNotContain(model, await registry.ModelsAsync());
    }
}
