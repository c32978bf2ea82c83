using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Registry;

/// <summary>Against a Redis of their own: the fake workers written here must not reach other tests' gateways.</summary>
public class RouteStoreTests(IsolatedRedisFixture isolated) : IClassFixture<IsolatedRedisFixture>
{
    private static Task<string> RegisterFakeWorkerAsync(IConnectionMultiplexer redis, params string[] versions) =>
        FakeWorker.RegisterAsync(redis, "route", versions);

    [Fact]
    public async Task ChangeAsync_ValidRoute_StoredAuditedAndAnnounced()
    {
        await using var redis = await RedisConnector.ConnectAsync(isolated.Address);
        var model = await RegisterFakeWorkerAsync(redis, "1", "2");
        var store = new RouteStore(redis);
        var announced = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisKeys.Default.RoutesChanged), (_, message) =>
        {
            if (message == model)
            {
                announced.TrySetResult(message!);
            }
        });

        var first = await store.ChangeAsync(model, (_, _) => new RouteRecord("", "1"), "alice");
        var second = await store.ChangeAsync(model, (route, _) => route! with { Canary = "2", CanaryWeight = 12.5 }, "bob");

        Assert.Null(first.Before);
        Assert.Equal(first.After, second.Before);
        Assert.Equal(new RouteRecord(model, "1", "2", 12.5, UpdatedAt: second.At, UpdatedBy: "bob"), await store.GetAsync(model));
        var history = await store.HistoryAsync(model);
        Assert.Equal(["bob", "alice"], history.Select(h => h.By));
        Assert.Equal("stable 1; canary 2 at 12.5%", history[0].After!.Describe());
        Assert.Equal("stable 1", history[0].Before!.Describe());
        Assert.Equal(model, await announced.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ChangeAsync_VersionNotServed_RefusedAndUnchanged()
    {
        await using var redis = await RedisConnector.ConnectAsync(isolated.Address);
        var model = await RegisterFakeWorkerAsync(redis, "1");
        var store = new RouteStore(redis);

        var ex = await Assert.ThrowsAsync<RouteValidationException>(() =>
            store.ChangeAsync(model, (_, _) => new RouteRecord("", "1", Canary: "3", CanaryWeight: 150), "carol"));

        Assert.Equal(2, ex.Errors.Count);
        Assert.Contains("served: 1", ex.Errors[0]);
        Assert.Equal(["3"], ex.Unregistered);
        Assert.Null(await store.GetAsync(model));
        Assert.Empty(await store.HistoryAsync(model));
    }

    [Fact]
    public async Task ChangeAsync_RegisteredWorkersNotRequired_StoredAndTheUnservedVersionAudited()
    {
        await using var redis = await RedisConnector.ConnectAsync(isolated.Address);
        var model = await RegisterFakeWorkerAsync(redis, "1");
        var store = new RouteStore(redis);

        var change = await store.ChangeAsync(model, (_, _) => new RouteRecord("", "1", Canary: "3", CanaryWeight: 5), "dave",
            requireRegisteredWorkers: false);

        Assert.Equal(["3"], change.Unregistered);
        Assert.Equal("stable 1; canary 3 at 5%", (await store.GetAsync(model))!.Describe());
        Assert.Equal(["3"], Assert.Single(await store.HistoryAsync(model)).Unregistered);
    }
}
