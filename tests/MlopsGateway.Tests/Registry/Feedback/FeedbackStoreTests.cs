using Microsoft.Extensions.Time.Testing;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Feedback;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Registry.Feedback;

/// <summary>The feedback store over the test Redis: predictions by id, one checked label each, the figures without excluded senders.</summary>
public sealed class FeedbackStoreTests
{
    private const string Model = "propensity";
    private static readonly DateTimeOffset s_at = new(2026, 12, 2, 10, 4, 30, TimeSpan.Zero);

    private static (FeedbackStore Store, RedisKeys Keys) NewStore(StackExchange.Redis.IConnectionMultiplexer redis, FakeTimeProvider? time = null,
        Func<string, string, Task<BaselineProfile?>>? baselines = null)
    {
        var keys = new RedisKeys("feedback-" + Guid.NewGuid().ToString("N")[..12]);
        var store = new FeedbackStore(redis, keys, time ?? new FakeTimeProvider(s_at.AddMinutes(5)), baselines);
        // As the worker recording the predictions writes it.
        store.SetSchemaAsync(new PredictionSchema(Model, "1", ["no_purchase", "purchase"], false)).GetAwaiter().GetResult();
        return (store, keys);
    }

    private static PredictionRecord Prediction(string id, int @class = 1, DateTimeOffset? at = null, string version = "1") =>
        new(Model, id, version, at ?? s_at, @class, [1 - @class, @class]);

    [Fact]
    public async Task SubmitLabelAsync_FirstLabel_AcceptedAndReadAsAPair()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (store, _) = NewStore(redis);
        await store.RecordAsync([Prediction("a"), Prediction("b", 0)], TimeSpan.FromDays(7));

        var byName = await store.SubmitLabelAsync(Model, "a", "no_purchase", "k1");
        var byIndex = await store.SubmitLabelAsync(Model, "b", "0", "k2");
        var pairs = await store.ReadLabelledAsync(Model, "1", s_at.AddMinutes(-1), s_at.AddMinutes(1));

        Assert.Equal((LabelResult.Accepted, LabelResult.Accepted), (byName.Result, byIndex.Result));
        Assert.Equal(["a", "b"], pairs.Select(p => p.Id).Order());
        var a = pairs.Single(p => p.Id == "a");
        Assert.Equal((1, 0, "k1", s_at, s_at.AddMinutes(5)), (a.PredictedClass, a.LabelClass, a.KeyId, a.PredictedAt, a.LabelledAt));
        Assert.Equal([0f, 1f], a.Probabilities);
    }

    [Fact]
    public async Task SubmitLabelAsync_SecondLabel_AlreadyLabelledNamingTheFirstAndKeepingIt()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (store, _) = NewStore(redis);
        await store.RecordAsync([Prediction("a")], TimeSpan.FromDays(7));
        await store.SubmitLabelAsync(Model, "a", "purchase", "k1");

        var second = await store.SubmitLabelAsync(Model, "a", "no_purchase", "k2");

        Assert.Equal(LabelResult.AlreadyLabelled, second.Result);
        Assert.Equal("Prediction 'a' of model 'propensity' was labelled 'purchase' at 2026-12-02 10:09:30 UTC by key k1; a prediction takes one label, and the first one stays.", second.Message);
        var pair = Assert.Single(await store.ReadLabelledAsync(Model, "1", s_at, s_at.AddMinutes(1)));
        Assert.Equal((1, "k1"), (pair.LabelClass, pair.KeyId));
    }

    [Fact]
    public async Task SubmitLabelAsync_UnknownId_UnknownIdSayingItMayHaveExpired()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (store, _) = NewStore(redis);

        var outcome = await store.SubmitLabelAsync(Model, "never", "purchase", "k1");

        Assert.Equal(LabelResult.UnknownId, outcome.Result);
        Assert.Contains("No prediction of model 'propensity' has id 'never'", outcome.Message, StringComparison.Ordinal);
        Assert.Contains("or it expired", outcome.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("maybe", "'maybe' is not a class of model 'propensity' version 1: give one of its classes: no_purchase, purchase (or an index, 0 to 1).")]
    [InlineData("2", "'2' is not a class of model 'propensity' version 1: give one of its classes: no_purchase, purchase (or an index, 0 to 1).")]
    public async Task SubmitLabelAsync_NotAClass_InvalidNamingTheClasses(string label, string message)
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (store, _) = NewStore(redis);
        await store.RecordAsync([Prediction("a")], TimeSpan.FromDays(7));

        var outcome = await store.SubmitLabelAsync(Model, "a", label, "k1");

        Assert.Equal((LabelResult.Invalid, message), (outcome.Result, outcome.Message));
        Assert.Null(await store.GetLabelAsync(Model, "a"));
    }

    [Theory]
    [InlineData("40", true)]
    [InlineData("-4.9", true)]
    [InlineData("100", false)]
    [InlineData("NaN", false)]
    public async Task SubmitLabelAsync_RegressorLabel_CheckedAgainstTheBaselinesWidenedRange(string label, bool accepted)
    {
        await using var redis = await TestRedis.ConnectAsync();
        // Baseline predictions 0 to 30: labels from -15 to 45 are accepted.
        var baseline = new BaselineProfile("price", "1", "features", 100, "sample", s_at, [],
            new FeatureProfile("prediction", FeatureKind.Numeric, [10, 20], [], [30, 40, 30], 15, 8, 0, 30), [], []);
        var (store, _) = NewStore(redis, baselines: (m, v) => Task.FromResult<BaselineProfile?>(m == "price" && v == "1" ? baseline : null));
        await store.RecordAsync([new PredictionRecord("price", "r1", "1", s_at, Value: 12.5)], TimeSpan.FromDays(7));

        var outcome = await store.SubmitLabelAsync("price", "r1", label, "k1");

        Assert.Equal(accepted ? LabelResult.Accepted : LabelResult.Invalid, outcome.Result);
        if (label == "100")
        {
            Assert.Equal("100 is outside the values model 'price' version 1 predicts: give a number from -15 to 45 (its baseline's predictions, 0 to 30, widened by 50% of their range on each side).", outcome.Message);
        }
    }

    [Fact]
    public async Task ExcludeAsync_OneSender_LabelsLeftOutUntilUndoneAndAudited()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (store, _) = NewStore(redis);
        await store.RecordAsync([Prediction("a"), Prediction("b")], TimeSpan.FromDays(7));
        await store.SubmitLabelAsync(Model, "a", "purchase", "honest");
        await store.SubmitLabelAsync(Model, "b", "no_purchase", "poisoner");

        Assert.True(await store.ExcludeAsync("poisoner", by: "alice"));
        var without = await store.ReadLabelledAsync(Model, "1", s_at, s_at.AddMinutes(1));
        Assert.True(await store.ExcludeAsync("poisoner", undo: true, by: "bob"));
        var with = await store.ReadLabelledAsync(Model, "1", s_at, s_at.AddMinutes(1));

        Assert.Equal(["a"], without.Select(p => p.Id));
        Assert.Equal(["a", "b"], with.Select(p => p.Id).Order());
        var history = await store.HistoryAsync();
        Assert.Equal([("included", "poisoner", "bob"), ("excluded", "poisoner", "alice")], history.Select(h => (h.Action, h.KeyId, h.By)));
    }

    [Fact]
    public async Task RecordAsync_SameIdTwice_OneRecordTheLastAndCountsPerMinute()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (store, _) = NewStore(redis);

        await store.RecordAsync([Prediction("a", 0), Prediction("b", at: s_at.AddMinutes(1)), Prediction("c", at: s_at.AddMinutes(3))], TimeSpan.FromDays(7));
        await store.RecordAsync([Prediction("a", 1)], TimeSpan.FromDays(7));

        Assert.Equal(1, (await store.GetPredictionAsync(Model, "a"))!.Class);
        Assert.Equal(2, await store.CountPredictionsAsync(Model, "1", s_at, s_at.AddSeconds(1)));
        Assert.Equal(3, await store.CountPredictionsAsync(Model, "1", s_at, s_at.AddMinutes(2)));
        Assert.Equal(0, await store.CountPredictionsAsync(Model, "2", s_at, s_at.AddMinutes(5)));
    }

    [Fact]
    public async Task RecordAsync_WithTtl_PredictionExpires()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (store, keys) = NewStore(redis);

        await store.RecordAsync([Prediction("a")], TimeSpan.FromDays(7));

        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(keys.Feedback.Prediction(Model, "a"));
        Assert.InRange(ttl!.Value, TimeSpan.FromDays(6.9), TimeSpan.FromDays(7));
    }

    [Fact]
    public async Task ReadLabelledAllAsync_PlantedInvalidPair_SkippedWithAFault()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (store, keys) = NewStore(redis);
        await store.RecordAsync([Prediction("a")], TimeSpan.FromDays(7));
        await store.SubmitLabelAsync(Model, "a", "purchase", "k1");
        var bucket = keys.Feedback.Labelled(Model, "1", FeedbackKeys.BucketOf(s_at));
        await redis.GetDatabase().HashSetAsync(bucket, "x", """{"id":"x","model":"propensity","version":"1","predicted_class":1,"label_class":-3,"key_id":"k1","predicted_at":"2026-12-02T10:04:30+00:00","labelled_at":"2026-12-02T10:05:30+00:00"}""");
        await redis.GetDatabase().HashSetAsync(bucket, "y", "{not json");

        var read = await store.ReadLabelledAllAsync(Model, "1", s_at, s_at.AddMinutes(1));

        Assert.Equal(["a"], read.Records.Select(r => r.Id));
        Assert.Equal([$"{bucket} field x: its label is not a class index, as its prediction is", $"{bucket} field y: it is not a readable record (JSON at line 1, byte 2)"],
            read.Faults.Select(f => $"{f.Key}: {f.Fault}").Order());
    }

    [Fact]
    public async Task GetPredictionAsync_PlantedUnderAnotherId_Faulted()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (store, keys) = NewStore(redis);
        await redis.GetDatabase().StringSetAsync(keys.Feedback.Prediction(Model, "a"), """{"model":"propensity","id":"b","version":"1","at":"2026-12-02T10:04:30+00:00","class":1}""");

        var refusal = await Assert.ThrowsAsync<FeedbackRecordException>(() => store.GetPredictionAsync(Model, "a"));

        Assert.Equal("it names another model or id than the key it is stored under", refusal.Fault.Fault);
    }
}
