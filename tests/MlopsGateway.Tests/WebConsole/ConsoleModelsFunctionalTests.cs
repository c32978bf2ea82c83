using System.Net;
using System.Text.Json;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.WebConsole;

/// <summary>The models page's API against what Redis holds: versions, aliases, route, deprecation, callers.</summary>
public sealed class ConsoleModelsFunctionalTests(ConsoleFixture stack) : FunctionalTest(stack.Logs), IClassFixture<ConsoleFixture>
{
    [Fact]
    public async Task ModelsApi_MatchesTheRegistryTheRouteAndTheWorkers()
    {
        using var browser = new ConsoleClient(stack.ConsoleAddress);
        await browser.SignInOrFailAsync(stack.ConsoleKey.Secret);

        var models = await browser.GetJsonAsync("/console/api/models");

        // The fixture's repository also holds 'dtypes', served by the worker but never pushed to the registry.
        var all = models.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(["dtypes", ConsoleFixture.Model], all.Select(m => m.GetProperty("name").GetString()));
        var unregistered = Assert.Single(all[0].GetProperty("versions").EnumerateArray());
        Assert.False(unregistered.GetProperty("registered").GetBoolean());
        Assert.False(unregistered.TryGetProperty("sha256", out _));
        var model = all[1];
        var route = model.GetProperty("route");
        Assert.Equal(("1", "2", 10.0), (route.GetProperty("stable").GetString(), route.GetProperty("canary").GetString(), route.GetProperty("canary_weight").GetDouble()));
        Assert.Equal("2", model.GetProperty("aliases").GetProperty("champion").GetString());
        var versions = model.GetProperty("versions").EnumerateArray().ToList();
        Assert.Equal(["1", "2"], versions.Select(v => v.GetProperty("version").GetString()));
        foreach (var version in versions)
        {
            var stored = (await stack.Registry.GetAsync(ConsoleFixture.Model, version.GetProperty("version").GetString()!))!;
            Assert.Equal(stored.Sha256, version.GetProperty("sha256").GetString());
            Assert.Equal("READY", version.GetProperty("status").GetString());
            Assert.Equal(stored.Lineage.RunId, version.GetProperty("lineage").GetProperty("run_id").GetString());
            Assert.Equal(stored.Signature.Inputs[0].Name, version.GetProperty("signature").GetProperty("inputs")[0].GetProperty("name").GetString());
            Assert.Equal(1, version.GetProperty("workers").GetInt32());
        }
        var deprecation = versions[0].GetProperty("deprecation");
        Assert.Equal(("2", "v2 is retrained"), (deprecation.GetProperty("replacement").GetString(), deprecation.GetProperty("note").GetString()));
        Assert.False(versions[1].TryGetProperty("deprecation", out _));
        Assert.Equal(["champion"], versions[1].GetProperty("aliases").EnumerateArray().Select(a => a.GetString()));
        Assert.Empty(models.GetProperty("faults").EnumerateArray());
    }

    [Fact]
    public async Task ModelApi_ADeprecatedVersionsCaller_NamedWithItsCount()
    {
        using var browser = new ConsoleClient(stack.ConsoleAddress);
        await browser.SignInOrFailAsync(stack.ConsoleKey.Secret);
        var client = StackFixture.Client(stack.GatewayAddress);
        var request = TestRequests.Propensity(ConsoleFixture.Model, [TestRequests.Row], version: "1");
        

        await client.ModelInferAsync(request, StackFixture.WithKey(stack.InferKey.Secret));
        await client.ModelInferAsync(request, StackFixture.WithKey(stack.InferKey.Secret));

        JsonElement caller = default;
        await Wait.UntilAsync(async () =>
        {
            var model = (await browser.GetJsonAsync($"/console/api/models/{ConsoleFixture.Model}")).GetProperty("model");
            var callers = model.GetProperty("versions")[0].GetProperty("callers").EnumerateArray()
                .Where(c => c.GetProperty("key_id").GetString() == stack.InferKey.Record.Id).ToList();
            caller = callers.FirstOrDefault();
            return callers.Count == 1 && caller.GetProperty("count").GetInt64() >= 2;
        });
        var stored = (await stack.Registry.CallersAsync(ConsoleFixture.Model, "1")).Records.Single(c => c.KeyId == stack.InferKey.Record.Id);
        Assert.Equal(stack.InferKey.Record.Name, caller.GetProperty("key_name").GetString());
        Assert.Equal(stored.Count, caller.GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task ModelApi_UnknownOrBadName_404Or400()
    {
        using var browser = new ConsoleClient(stack.ConsoleAddress);
        await browser.SignInOrFailAsync(stack.ConsoleKey.Secret);

        using var unknown = await browser.GetAsync("/console/api/models/nothing-here");
        using var bad = await browser.GetAsync("/console/api/models/a%3Ab");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("No model 'nothing-here'", (await ConsoleClient.JsonOf(unknown)).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
