using Microsoft.Extensions.Time.Testing;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Feedback;
using MlopsGateway.Tests.Infrastructure;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Registry.Feedback;

/// <summary>
/// Records of ids the gateway and workers make, stored in blocks (one string per block of
/// consecutive ids) on every Redis the tests run against; ids from callers and records in the
/// older hourly hashes beside them.
/// </summary>
public sealed class PredictionBlockTests
{
    private const string Model = "propensity";
    private static readonly DateTimeOffset s_at = new(2026, 12, 2, 10, 4, 30, TimeSpan.Zero);
    private static readonly TimeSpan s_ttl = TimeSpan.FromDays(7);

    private static async Task<(FeedbackStore Store, RedisKeys Keys)> NewStoreAsync(IConnectionMultiplexer redis)
    {
        var keys = RedisTargets.NewKeys("blocks");
        var store = new FeedbackStore(redis, keys, new FakeTimeProvider(s_at.AddMinutes(5)));
        await store.SetSchemaAsync(new PredictionSchema(Model, "1", ["no_purchase", "purchase"], false));
        return (store, keys);
    }

    private static PredictionRecord Prediction(string id, int @class = 1) => new(Model, id, "1", s_at, @class, [1 - @class, @class]);

    // Consecutive made ids, none across a block's end.
    private static List<string> SameBlock(int count)
    {
        while (true)
        {
            var ids = Enumerable.Range(0, count).Select(_ => PredictionIds.New(s_at)).ToList();
            if (ids.Select(BlockOf).Distinct().Count() == 1)
            {
                return ids;
            }
        }
    }

    private static ulong BlockOf(string id) => PredictionIds.TryBlockOf(id, out var block) ? block : throw new ArgumentException(id);

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task SubmitLabelAsync_MadeIdsOverSeveralBlocksAndBatches_EachFoundInItsBlockAndLabelledOnce(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var (store, keys) = await NewStoreAsync(redis);
        var ids = Enumerable.Range(0, PredictionIds.BlockSize + 10).Select(_ => PredictionIds.New(s_at)).ToList();
        // Two batches, so the blocks are APPENDed to twice; a row's id of the last request too.
        await store.RecordAsync([.. ids.Take(100).Select(id => Prediction(id, 0))], s_ttl);
        await store.RecordAsync([.. ids.Skip(100).Select(id => Prediction(id)), Prediction(ids[^1] + "#1", 0)], s_ttl);

        var first = await store.SubmitLabelAsync(Model, ids[0], "purchase", "k1");
        var last = await store.SubmitLabelAsync(Model, ids[^1], "purchase", "k1");
        var row = await store.SubmitLabelAsync(Model, ids[^1] + "#1", "no_purchase", "k1");
        var second = await store.SubmitLabelAsync(Model, ids[0], "no_purchase", "k2");

        Assert.Equal((LabelResult.Accepted, LabelResult.Accepted, LabelResult.Accepted), (first.Result, last.Result, row.Result));
        Assert.Equal(LabelResult.AlreadyLabelled, second.Result);
        Assert.Equal((0, s_at), ((await store.GetPredictionAsync(Model, ids[0]))!.Class, (await store.GetPredictionAsync(Model, ids[0]))!.At));
        Assert.Equal(0, (await store.GetPredictionAsync(Model, ids[^1] + "#1"))!.Class);
        var db = redis.GetDatabase();
        var blocks = ids.Select(BlockOf).Distinct().ToList();
        Assert.InRange(blocks.Count, 2, 3);
        foreach (var block in blocks)
        {
            var key = keys.Feedback.PredictionBlock(Model, block);
            Assert.Equal(RedisType.String, await db.KeyTypeAsync(key));
            Assert.InRange((await db.KeyTimeToLiveAsync(key))!.Value, TimeSpan.FromDays(6.9), s_ttl);
        }
        // Nothing went to the hourly hashes, whose fields cost Redis a dictionary entry each.
        Assert.False(await db.KeyExistsAsync(keys.Feedback.Predictions(Model, FeedbackKeys.RecordBucketOf(s_at))));
        Assert.Equal(ids.Count + 1, await store.CountPredictionsAsync(Model, "1", s_at, s_at.AddMinutes(1)));
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task RecordAsync_CallerIdsAndMadeIdsInOneBatch_CallersInTheHourlyHashAllFound(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var (store, keys) = await NewStoreAsync(redis);
        var made = PredictionIds.New(s_at);
        var callerUuid = Guid.CreateVersion7(s_at).ToString("N");

        await store.RecordAsync([Prediction("order-17", 0), Prediction(made), Prediction(callerUuid, 0), Prediction("order-17", 1), Prediction(made, 0)], s_ttl);

        var hour = keys.Feedback.Predictions(Model, FeedbackKeys.RecordBucketOf(s_at));
        Assert.Equal(new[] { "order-17", callerUuid }.Order(), (await redis.GetDatabase().HashKeysAsync(hour)).Select(k => (string)k!).Order());
        // Answered twice: the later answer stands, in a hash and in a block alike.
        Assert.Equal(1, (await store.GetPredictionAsync(Model, "order-17"))!.Class);
        Assert.Equal(0, (await store.GetPredictionAsync(Model, made))!.Class);
        Assert.Equal(0, (await store.GetPredictionAsync(Model, callerUuid))!.Class);
        Assert.Null(await store.GetPredictionAsync(Model, PredictionIds.New(s_at)));
        Assert.Equal(LabelResult.Accepted, (await store.SubmitLabelAsync(Model, "order-17", "purchase", "k1")).Result);
        Assert.Equal(LabelResult.AlreadyLabelled, (await store.SubmitLabelAsync(Model, "order-17", "purchase", "k1")).Result);
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task GetPredictionAsync_MadeIdInTheOlderHourlyLayout_StillFound(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var (store, keys) = await NewStoreAsync(redis);
        var id = PredictionIds.New(s_at);
        // As a worker before blocks wrote it: a field of the hour's hash, the hour in the index.
        var hour = FeedbackKeys.RecordBucketOf(s_at);
        await redis.GetDatabase().HashSetAsync(keys.Feedback.Predictions(Model, hour), id, """{"v":"1","t":1764669870000,"c":1,"p":[0,1]}""");
        await redis.GetDatabase().SortedSetAddAsync(keys.Feedback.PredictionBuckets(Model), hour.ToUnixTimeSeconds(), (s_at + s_ttl).ToUnixTimeSeconds());

        var found = await store.GetPredictionAsync(Model, id);

        Assert.Equal((1, "1"), (found!.Class, found.Version));
        Assert.Equal(LabelResult.Accepted, (await store.SubmitLabelAsync(Model, id, "purchase", "k1")).Result);
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task GetPredictionAsync_DamagedOrForeignBlock_FaultNamingTheKeyAndWhatIsWrong(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var (store, keys) = await NewStoreAsync(redis);
        var db = redis.GetDatabase();
        var ids = SameBlock(4);
        var (cut, garbled, foreign, badRecord) = (ids[0], ids[1], ids[2], ids[3]);
        await store.RecordAsync([.. ids.Select(id => Prediction(id))], s_ttl);
        var key = keys.Feedback.PredictionBlock(Model, BlockOf(cut));
        var good = (string)(await db.StringGetAsync(key))!;

        await db.StringSetAsync(key, good + cut + " {\"v\":\"1\"");
        var unended = await Assert.ThrowsAsync<FeedbackRecordException>(() => store.GetPredictionAsync(Model, cut));
        await db.StringSetAsync(key, good + "no record here\n");
        var notALine = await Assert.ThrowsAsync<FeedbackRecordException>(() => store.GetPredictionAsync(Model, garbled));
        await db.StringSetAsync(key, good + badRecord + " {\"v\":\"1\",\"t\":1764669870000,\"c\":1,\"x\":0.5}\n");
        var invalid = await Assert.ThrowsAsync<FeedbackRecordException>(() => store.GetPredictionAsync(Model, badRecord));
        await db.KeyDeleteAsync(key);
        await db.HashSetAsync(key, foreign, "x");
        var wrongType = await Assert.ThrowsAsync<FeedbackRecordException>(() => store.GetPredictionAsync(Model, foreign));

        Assert.Equal((key, "it is not a block of prediction records (its last line is not ended)"), (unended.Fault.Key, unended.Fault.Fault));
        Assert.Equal((key, "it is not a block of prediction records (line 5 is not an id, a space and a record)"), (notALine.Fault.Key, notALine.Fault.Fault));
        Assert.Equal(($"{key} line 5", "its prediction holds neither or both of a class and a value"), (invalid.Fault.Key, invalid.Fault.Fault));
        Assert.Equal((key, "it is not a string of prediction records"), (wrongType.Fault.Key, wrongType.Fault.Fault));
    }

    [Fact]
    public void TryBlockOf_MadeIdsAndTheirRows_ConsecutiveShareABlockOtherIdsNone()
    {
        var ids = Enumerable.Range(0, (2 * PredictionIds.BlockSize) + 1).Select(_ => PredictionIds.New(s_at)).ToList();

        var blocks = ids.Select(BlockOf).ToList();

        // Two blocks' worth and one more span 3 blocks (or 2 when the first starts one), none holding more than a block's worth.
        Assert.InRange(blocks.Distinct().Count(), 2, 3);
        Assert.All(blocks.GroupBy(b => b), g => Assert.InRange(g.Count(), 1, PredictionIds.BlockSize));
        Assert.Equal(blocks[0], BlockOf(ids[0] + "#12"));
        Assert.Equal(s_at, FeedbackStore.IdTime(ids[0]));
        Assert.False(PredictionIds.TryBlockOf(ids[0].ToUpperInvariant(), out _));
        Assert.False(PredictionIds.TryBlockOf(ids[0] + "#", out _));
        Assert.False(PredictionIds.TryBlockOf(ids[0] + "#1 2", out _));
        Assert.False(PredictionIds.TryBlockOf(ids[0][..31], out _));
        Assert.False(PredictionIds.TryBlockOf("order-17", out _));
        // A caller's UUIDv7 is not in the form unless its rand_a happens to be the marker (1 in 4096).
        Assert.False(PredictionIds.TryBlockOf(ids[0][..13] + "b11" + ids[0][16..], out _));
    }
}
