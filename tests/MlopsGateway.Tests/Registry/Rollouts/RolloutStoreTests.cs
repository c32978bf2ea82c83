using MlopsGateway.Registry.Rollouts;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Registry.Rollouts;

/// <summary>Rollout records in Redis on every server in <see cref="RedisTargets"/>, each test in a namespace of its own.</summary>
public class RolloutStoreTests
{
    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task StartAsync_OneRunning_SecondRefusedNamingItThenAllowedOnceFinished(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var keys = RedisTargets.NewKeys();
        var store = new RolloutStore(redis, keys);
        await store.StartAsync(RolloutRecords.New());

        var refused = await Assert.ThrowsAsync<RolloutConflictException>(() => store.StartAsync(RolloutRecords.New() with { Canary = "3" }));

        Assert.Contains("A rollout of 'm' is already running (version 2, starting", refused.Message);
        Assert.Contains("'mlops rollout abort --model m' stops it", refused.Message);
        await store.RequestAsync("m", RolloutDecisions.Abort, "tests", r => r with { Phase = RolloutPhases.Aborted, Reason = "aborted" });
        await store.StartAsync(RolloutRecords.New() with { Canary = "3" });
        Assert.Equal("3", (await store.ReadAsync("m")).Record!.Canary);
        var history = await store.HistoryAsync("m");
        Assert.Equal([RolloutDecisions.Start, RolloutDecisions.Abort, RolloutDecisions.Start], history.Reverse().Select(d => d.Decision));
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task ReadAsync_RecordWrittenByHandWithAStepOutOfRange_AFaultNeverARecord(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var keys = RedisTargets.NewKeys();
        var store = new RolloutStore(redis, keys);
        await store.StartAsync(RolloutRecords.New(webhook: "https://hooks.example/secret-token"));
        var json = (string)(await redis.GetDatabase().StringGetAsync(keys.Rollouts.Rollout("m")))!;
        await redis.GetDatabase().StringSetAsync(keys.Rollouts.Rollout("m"), json.Replace("\"step\":0", "\"step\":9", StringComparison.Ordinal));

        var read = await store.ReadAsync("m");
        var all = await store.ReadAllAsync();

        Assert.Null(read.Record);
        Assert.Equal($"{keys.Rollouts.Rollout("m")}", read.Fault!.Key);
        Assert.Equal("its step 9 is not one of its 4 steps", read.Fault.Fault);
        Assert.Equal(read.Fault, Assert.Single(all).Fault);
    }

    [Theory]
    [MemberData(nameof(RedisTargets.All), MemberType = typeof(RedisTargets))]
    public async Task RequestAsync_NoRollout_RefusedWithHowToStartOne(string target)
    {
        await using var redis = await RedisTargets.ConnectAsync(target);
        var store = new RolloutStore(redis, RedisTargets.NewKeys());

        var refused = await Assert.ThrowsAsync<RolloutConflictException>(() => store.RequestAsync("m", RolloutDecisions.Pause, "tests", r => r with { Paused = true }));

        Assert.Equal("Model 'm' has no rollout; 'mlops rollout start --model m --version V' starts one.", refused.Message);
    }
}
