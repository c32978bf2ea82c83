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

        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(keys.Feedback.Predictions(Model, FeedbackKeys.RecordBucketOf(s_at)));
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
    public async Task GetPredictionAsync_PlantedInvalidRecords_FaultedNamingTheBucketAndField()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (store, keys) = NewStore(redis);
        await store.RecordAsync([Prediction("a")], TimeSpan.FromDays(7));
        var bucket = keys.Feedback.Predictions(Model, FeedbackKeys.RecordBucketOf(s_at));
        await redis.GetDatabase().HashSetAsync(bucket, "a", """{"v":"1","t":1764669870000,"c":1,"x":0.5}""");
        await redis.GetDatabase().HashSetAsync(bucket, "b", "{not json");

        var both = await Assert.ThrowsAsync<FeedbackRecordException>(() => store.GetPredictionAsync(Model, "a"));
        var broken = await Assert.ThrowsAsync<FeedbackRecordException>(() => store.GetPredictionAsync(Model, "b"));

        Assert.Equal(($"{bucket} field a", "its prediction holds neither or both of a class and a value"), (both.Fault.Key, both.Fault.Fault));
        Assert.StartsWith("it is not a readable record", broken.Fault.Fault, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetPredictionAsync_CallerIdInAnOlderHour_FoundThroughTheBucketIndex()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var time = new FakeTimeProvider(s_at.AddHours(3));
        var (store, _) = NewStore(redis, time);
        await store.RecordAsync([Prediction("order-17", 0, s_at), Prediction("order-18", 1, s_at.AddHours(2))], TimeSpan.FromDays(7));

        var (older, newer) = (await store.GetPredictionAsync(Model, "order-17"), await store.GetPredictionAsync(Model, "order-18"));

        Assert.Equal((0, s_at, 1), (older!.Class, older.At, newer!.Class));
        Assert.Null(await store.GetPredictionAsync(Model, "order-19"));
    }

    [Fact]
    public async Task GetPredictionAsync_BucketPastItsTtl_NotFound()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var time = new FakeTimeProvider(s_at);
        var (store, _) = NewStore(redis, time);
        await store.RecordAsync([Prediction("a")], TimeSpan.FromHours(2));

        time.Advance(TimeSpan.FromHours(2.5));

        // Redis keeps the hash for two real hours; the index says its records are past their TTL.
        Assert.Null(await store.GetPredictionAsync(Model, "a"));
    }

    [Fact]
    public void IdTime_Uuid7InEitherFormAndRowSuffix_ItsTime_OtherIdsNone()
    {
        var made = new DateTimeOffset(2026, 12, 2, 10, 4, 30, 123, TimeSpan.Zero);
        var id = Guid.CreateVersion7(made);

        Assert.Equal(made, FeedbackStore.IdTime(id.ToString("N")));
        Assert.Equal(made, FeedbackStore.IdTime(id.ToString("D") + "#3"));
        Assert.Null(FeedbackStore.IdTime(Guid.NewGuid().ToString("N")));
        Assert.Null(FeedbackStore.IdTime("order-17"));
    }
}
