using System.Net;
using System.Text.Json;
using MlopsGateway.Monitoring;
using MlopsGateway.Monitoring.Rollouts;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Telemetry;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.WebConsole;

/// <summary>The keys, workers, audit and live APIs of a real gateway's console against what Redis holds; who may change keys.</summary>
public sealed class ConsolePagesFunctionalTests(ConsoleFixture stack) : FunctionalTest(stack.Logs), IClassFixture<ConsoleFixture>
{
    [Fact]
    public async Task Keys_ConsoleScope_ListedWithoutSecretsOrHashes_CreateAndRevokeRefused()
    {
        using var browser = new ConsoleClient(stack.ConsoleAddress);
        await browser.SignInOrFailAsync(stack.ConsoleKey.Secret);

        var listed = await browser.GetJsonAsync("/console/api/keys");
        using var create = await browser.PostJsonAsync("/console/api/keys", new { name = "not-allowed", scopes = new[] { "infer" } });
        using var revoke = await browser.PostJsonAsync($"/console/api/keys/{stack.InferKey.Record.Id}/revoke", new { });

        var text = listed.GetRawText();
        foreach (var (record, secret) in new[] { stack.ConsoleKey, stack.AdminKey, stack.InferKey })
        {
            Assert.Contains(record.Id, text, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(record.Hash, text, StringComparison.Ordinal);
        }
        var infer = listed.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("id").GetString() == stack.InferKey.Record.Id);
        Assert.Equal(["infer"], infer.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (create.StatusCode, revoke.StatusCode));
        Assert.DoesNotContain(await stack.KeyStore.ListAsync(), k => k.Name == "not-allowed");
        Assert.Contains(await stack.KeyStore.ListAsync(), k => k.Id == stack.InferKey.Record.Id);
    }

    [Fact]
    public async Task Keys_Admin_CreatesWithTheSecretShownOnce_RevokesAndBothAreAudited()
    {
        using var browser = new ConsoleClient(stack.ConsoleAddress);
        await browser.SignInOrFailAsync(stack.AdminKey.Secret);
        var name = "made-in-console-" + Guid.NewGuid().ToString("N")[..6];

        using var noToken = await browser.PostJsonAsync("/console/api/keys", new { name, scopes = new[] { "infer" } }, withToken: false);
        using var created = await browser.PostJsonAsync("/console/api/keys", new { name, scopes = new[] { "infer", "feedback" }, models = new[] { "propensity" } });
        var made = await ConsoleClient.JsonOf(created);
        var id = made.GetProperty("key").GetProperty("id").GetString()!;
        var secret = made.GetProperty("secret").GetString()!;
        var stored = Assert.Single(await stack.KeyStore.ListAsync(), k => k.Name == name);
        var listed = (await browser.GetJsonAsync("/console/api/keys")).GetRawText();
        using var badScope = await browser.PostJsonAsync("/console/api/keys", new { name = name + "-x", scopes = new[] { "everything" } });
        using var revoked = await browser.PostJsonAsync($"/console/api/keys/{id}/revoke", new { });
        using var again = await browser.PostJsonAsync($"/console/api/keys/{id}/revoke", new { });

        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal((stored.Id, ApiKeyHasher.Hash(secret)), (id, stored.Hash));
        Assert.Equal(["infer", "feedback"], stored.EffectiveScopes);
        Assert.Equal(["propensity"], stored.Models);
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badScope.StatusCode);
        Assert.Contains("'everything' is not a scope", (await ConsoleClient.JsonOf(badScope)).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.NotFound), (revoked.StatusCode, again.StatusCode));
        Assert.DoesNotContain(await stack.KeyStore.ListAsync(), k => k.Id == id);
        var history = await stack.KeyStore.HistoryAsync(50);
        var actor = $"console:{stack.AdminKey.Record.Name} ({stack.AdminKey.Record.Id})";
        Assert.Contains(history, c => c.KeyId == id && c.Action == ApiKeyChange.Created && c.By == actor);
        Assert.Contains(history, c => c.KeyId == id && c.Action == ApiKeyChange.Revoked && c.By == actor);
        Assert.DoesNotContain(stack.Logs.Entries, e => e.Message.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task WorkersApi_TheRegisteredWorkerAsRedisHoldsIt()
    {
        using var browser = new ConsoleClient(stack.ConsoleAddress);
        await browser.SignInOrFailAsync(stack.ConsoleKey.Secret);
        var registered = Assert.Single(await new WorkerStore(stack.Redis, stack.Keys).ListAsync());

        var worker = Assert.Single((await browser.GetJsonAsync("/console/api/workers")).GetProperty("workers").EnumerateArray());

        Assert.Equal((registered.Id, registered.Address, registered.Ready), (worker.GetProperty("id").GetString(), worker.GetProperty("address").GetString(), worker.GetProperty("ready").GetBoolean()));
        Assert.Equal(registered.Models.Select(m => $"{m.Model} {m.Version}").Order(StringComparer.Ordinal),
            worker.GetProperty("models").EnumerateArray().Select(m => $"{m.GetProperty("model").GetString()} {m.GetProperty("version").GetString()}").Order(StringComparer.Ordinal));
        Assert.Equal(ServerEndpoints.GrpcAddress(stack.Worker).TrimEnd('/'), registered.Address.TrimEnd('/'));
    }

    [Fact]
    public async Task WorkersApi_UnderLoad_QueueAndBatchFiguresFromTheWorkersHeartbeat_AlsoInMlopsWorkers()
    {
        using var browser = new ConsoleClient(stack.ConsoleAddress);
        await browser.SignInOrFailAsync(stack.ConsoleKey.Secret);
        var client = StackFixture.Client(stack.GatewayAddress);
        // Three rows a request: whatever the batcher merges, a batch holds at least three rows.
        var request = TestRequests.Propensity(ConsoleFixture.Model, [TestRequests.Row, TestRequests.Row, TestRequests.Row], version: "1");
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await client.ModelInferAsync(request, StackFixture.WithKey(stack.InferKey.Secret), cancellationToken: stop.Token);
            }
        })).ToArray();

        VersionLoad? stored = null;
        JsonElement shown = default;
        try
        {
            // Each heartbeat reports its own interval, so the load goes on until both the record and the console show a busy one.
            await Wait.UntilAsync(async () =>
            {
                stored = Assert.Single(await new WorkerStore(stack.Redis, stack.Keys).ListAsync()).Load?.SingleOrDefault(l => l.Model == ConsoleFixture.Model && l.Version == "1");
                var worker = Assert.Single((await browser.GetJsonAsync("/console/api/workers")).GetProperty("workers").EnumerateArray());
                shown = worker.TryGetProperty("load", out var l) ? l.EnumerateArray().SingleOrDefault(v => v.GetProperty("model").GetString() == ConsoleFixture.Model && v.GetProperty("version").GetString() == "1") : default;
                return stored is { Batches: > 0 } && shown.ValueKind == JsonValueKind.Object && shown.GetProperty("batches").GetInt64() > 0;
            }, seconds: 30);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(load).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        var (exit, listed, _) = await CliRunner.RunAsync("workers", "--redis", TestRedis.Address, "--namespace", stack.Keys.Namespace);

        Assert.InRange(stored!.MeanBatchSize, 3, 64);
        Assert.InRange(stored.MaxBatchSize, 3, 64);
        Assert.True(stored.QueueDepth >= 0);
        Assert.True(shown.GetProperty("mean_batch_size").GetDouble() >= 3);
        Assert.True(shown.GetProperty("max_batch_size").GetInt64() >= 3);
        Assert.True(shown.GetProperty("queue_depth").GetInt32() >= 0);
        Assert.Equal(0, exit);
        Assert.Matches($@"load: .*{ConsoleFixture.Model} 1: queue \d+, \d+ batches, mean \d+\.\d, max \d+", listed);
    }

    [Fact]
    public async Task AuditApi_RoutesKeysAndRegistry_FilteredByKindAndSubject()
    {
        using var browser = new ConsoleClient(stack.ConsoleAddress);
        await browser.SignInOrFailAsync(stack.ConsoleKey.Secret);

        var all = (await browser.GetJsonAsync("/console/api/audit")).GetProperty("entries").EnumerateArray().ToList();
        var routes = (await browser.GetJsonAsync("/console/api/audit?kind=route")).GetProperty("entries").EnumerateArray().ToList();
        var aboutInfer = (await browser.GetJsonAsync("/console/api/audit?kind=key&subject=infer-only")).GetProperty("entries").EnumerateArray().ToList();
        using var badKind = await browser.GetAsync("/console/api/audit?kind=everything");

        Assert.Equal(["key", "registry", "route"], all.Select(e => e.GetProperty("kind").GetString()).Distinct().Order(StringComparer.Ordinal));
        var route = Assert.Single(routes);
        Assert.Equal(("created", ConsoleFixture.Model, "tests"), (route.GetProperty("action").GetString(), route.GetProperty("subject").GetString(), route.GetProperty("by").GetString()));
        Assert.Contains("stable 1; canary 2 at 10%", route.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(all.Count(e => e.GetProperty("kind").GetString() == "registry"), (await stack.Registry.HistoryAsync(null, 200)).Count);
        var created = Assert.Single(aboutInfer);
        Assert.Equal(ApiKeyChange.Created, created.GetProperty("action").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, badKind.StatusCode);
    }

    [Fact]
    public async Task LiveApi_TelemetryInRedis_PerVersionRatesErrorsAndPercentiles()
    {
        using var browser = new ConsoleClient(stack.ConsoleAddress);
        await browser.SignInOrFailAsync(stack.ConsoleKey.Secret);
        var telemetry = new TelemetryStore(stack.Redis, stack.Keys);
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        var latency = new long[LatencyBuckets.Seconds.Count + 1];
        latency[LatencyBuckets.Seconds.ToList().FindIndex(b => b >= 0.002)] = 40;
        await telemetry.FlushAsync([new VersionTelemetry(ConsoleFixture.Model, "2", at, at.AddSeconds(1), 40,
            new Dictionary<string, long> { ["UNAVAILABLE"] = 10 }, latency, 0, 0)]);

        var live = await browser.GetJsonAsync($"/console/api/models/{ConsoleFixture.Model}/live");

        var versions = live.GetProperty("versions").EnumerateArray().ToList();
        Assert.Equal(["1", "2"], versions.Select(v => v.GetProperty("version").GetString()));
        var two = versions[1];
        Assert.Equal((50, 10), (two.GetProperty("requests").GetInt64(), two.GetProperty("errors").GetInt64()));
        Assert.Equal(10, two.GetProperty("errors_by_status").GetProperty("UNAVAILABLE").GetInt64());
        var points = two.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(360, points.Count);
        var busy = Assert.Single(points, p => p.GetProperty("requests_per_second").GetDouble() > 0);
        var stored = await telemetry.ReadAsync(ConsoleFixture.Model, "2", DateTimeOffset.FromUnixTimeSeconds(busy.GetProperty("at").GetInt64()),
            DateTimeOffset.FromUnixTimeSeconds(busy.GetProperty("at").GetInt64() + 10));
        Assert.Equal(stored.Requests / 10.0, busy.GetProperty("requests_per_second").GetDouble(), 6);
        Assert.Equal(LatencyHistogram.Quantile(stored.Latency, 0.99), busy.GetProperty("p99").GetDouble(), 9);
        Assert.Equal(0, versions[0].GetProperty("requests").GetInt64());
        Assert.Equal(10, live.GetProperty("route").GetProperty("canary_weight").GetDouble());
    }

    [Theory]
    [InlineData("/console/workers", "workers")]
    [InlineData("/console/drift", "drift")]
    [InlineData("/console/audit", "audit")]
    [InlineData("/console/keys", "keys")]
    public async Task Page_SignedIn_TheShellNamingItsApi(string path, string page)
    {
        using var browser = new ConsoleClient(stack.ConsoleAddress);
        await browser.SignInOrFailAsync(stack.ConsoleKey.Secret);

        using var response = await browser.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"data-page=\"{page}\"", html, StringComparison.Ordinal);
        Assert.Contains($"data-api=\"/console/api/{page}\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/console/playground\"", html, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }
}
