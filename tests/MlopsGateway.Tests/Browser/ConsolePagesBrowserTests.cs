using System.Globalization;
using System.Text.Json.Nodes;
using MlopsGateway.Registry.Rollouts;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Tests.Browser;

/// <summary>
/// The console's other pages on the same stack and browser as the rest of the class: a model's live
/// view, drift, audit and keys each load (workers: WorkersPage_EachWorkerWithItsQueueAndBatchesPerVersion) without a problem and show what their API returns
/// (read with the page's own cookie); with <c>admin</c>, a key is created (its secret shown once) and revoked.
/// </summary>
public sealed partial class ConsoleBrowserTests
{
    [Fact]
    public async Task LiveView_ShowsEachVersionsCallsAndErrorsItsApiReturns_AndDrawsItsCharts()
    {
        await using var page = await SignedInAsync();
        var api = await StableAsync(page, "/console/models/propensity", "/models/propensity/live", "#live-totals tr[data-version]");

        var versions = api["versions"]!.AsArray();
        Assert.Equal(["1", "2"], versions.Select(v => (string)v!["version"]!).Order(StringComparer.Ordinal));
        foreach (var version in versions)
        {
            var row = page.Page.Locator($"#live-totals tr[data-version='{version!["version"]}']");
            // The fixture's calls are all in the last hour.
            Assert.True((long)version["requests"]! >= SampleStackFixture.RowsPerVersion / SampleStackFixture.RowsPerCall, version.ToJsonString());
            Assert.Equal(Text(version["requests"]), await row.Locator("[data-field='requests']").TextContentAsync());
            Assert.Equal(Text(version["errors"]), await row.Locator("[data-field='errors']").TextContentAsync());
        }
        foreach (var chart in new[] { "chart-rps", "chart-errors", "chart-p50", "chart-p99" })
        {
            Assert.Equal(1, await page.Page.Locator($"#{chart} .uplot canvas").CountAsync());
            // uPlot's legend names a series per version.
            Assert.Equal(["v1", "v2"], await page.Page.Locator($"#{chart} .u-legend .u-series:not(:first-child) .u-label").AllTextContentsAsync());
        }
        // The latency charts draw what the API says, in milliseconds: every version with traffic has p50 and p99 points.
        foreach (var (chart, field) in new[] { ("chart-p50", "p50"), ("chart-p99", "p99") })
        {
            // JSON.stringify writes NaN as null, so the values that are neither numbers nor null are counted in the page:
            // a bucket the API left without a p50 once became undefined × 1000 = NaN, and uPlot drew nothing at all.
            Assert.Equal(0, await page.Page.EvaluateAsync<int>(
                $"document.querySelector('#{chart}').uplot.data.slice(1).flat().filter(v => v !== null && !Number.isFinite(v)).length"));
            var drawn = JsonNode.Parse(await page.Page.EvaluateAsync<string>($"JSON.stringify(document.querySelector('#{chart}').uplot.data)"))!.AsArray();
            var times = drawn[0]!.AsArray().Select(t => (long)t!).ToList();
            for (var i = 0; i < versions.Count; i++)
            {
                // By bucket time, not index: the hour's window may move a bucket between the page's fetch and the test's.
                var expected = versions[i]!["points"]!.AsArray().ToDictionary(p => (long)p!["at"]!, p => p![field] is { } v ? (double?)((double)v * 1000) : null);
                var values = drawn[i + 1]!.AsArray().Select(v => v is null ? (double?)null : (double)v).ToList();
                Assert.True(expected.Values.Count(v => v is not null) > 0, $"{field} of version {versions[i]!["version"]}: no points in {versions[i]!.ToJsonString()}");
                Assert.Equal(times.Count, values.Count);
                Assert.True(times.Count(expected.ContainsKey) >= expected.Count - 1, $"{chart}: the chart's buckets are not the API's");
                for (var j = 0; j < times.Count; j++)
                {
                    if (expected.TryGetValue(times[j], out var want))
                    {
                        Assert.True(want is null ? values[j] is null : values[j] is { } d && Math.Abs(d - want.Value) < 1e-9, $"{chart} bucket {times[j]}: {values[j]} vs {want}");
                    }
                }
            }
        }
        // Each chart's plot stays inside its box at any width (a width from the page's once drew charts over
        // their neighbours in a three-column grid): at the fixture's viewport, and wider and narrower.
        foreach (var width in new[] { 1280, 1400, 1900, 800 })
        {
            await page.Page.SetViewportSizeAsync(width, 900);
            try
            {
                // The plots follow their boxes on the next frames after the resize.
                await page.Page.WaitForFunctionAsync(ChartsInsideTheirBoxes, null, new() { Timeout = 5000 });
            }
            catch (TimeoutException)
            {
            }
            Assert.True(await page.Page.EvaluateAsync<bool>(ChartsInsideTheirBoxes), $"a chart overflows its box at {width} px");
        }
        await page.Page.SetViewportSizeAsync(1280, 720);
        await page.ScreenshotAsync("console-live-propensity");
        page.AssertHealthy();
    }

    private const string ChartsInsideTheirBoxes = """
        () => [...document.querySelectorAll('.chart')].every(box => {
          const b = box.getBoundingClientRect(), u = box.querySelector('.uplot').getBoundingClientRect();
          return u.width > 100 && u.left >= b.left - 1 && u.right <= b.right + 1;
        })
        """;

    [Fact]
    public async Task LiveView_ShowsTheRolloutsStepsWithEveryVerdict_NeverItsWebhook()
    {
        // A paused rollout: the stack's controller leaves it (and the route) as it is.
        var now = DateTimeOffset.UtcNow;
        const string webhook = "http://127.0.0.1:9/hooks/never-shown-token";
        CriterionVerdict Judged(string criterion, Verdict verdict, double value, long samples) =>
            new(criterion, value, 1.2, value / 2, value, samples * 5, samples, verdict == Verdict.Inconclusive ? "" : "two-proportion z, one-sided, p=0.2", 0.2, verdict, $"{criterion} judged {verdict}");
        var first = new RolloutInterval(RolloutPhases.Canary, 0, 10, now.AddMinutes(-2), now.AddMinutes(-1),
            [Judged("error_rate", Verdict.Pass, 0.1, 600)], RolloutDecisions.Advance);
        var second = new RolloutInterval(RolloutPhases.Canary, 1, 50, now.AddMinutes(-1), now,
            [Judged("error_rate", Verdict.Pass, 0.2, 900), Judged("latency", Verdict.Fail, 1.7, 900), Judged("accuracy", Verdict.Inconclusive, double.NaN, 3)], RolloutDecisions.Hold);
        var record = new RolloutRecord(SampleModels.Propensity, "2", "1", [10, 50, 100], 1, RolloutPhases.Canary, Paused: true, DryRun: false,
            Confirm: false, Confirmed: false, TimeSpan.FromMinutes(1), TimeSpan.Zero, 0, 2, new Dictionary<string, int> { ["latency"] = 1 }, new RolloutCriteria(),
            [first, second], "Held at 50%: latency failed once.", now.AddMinutes(-3), "browser-test", now, now.AddMinutes(-1), now.AddMinutes(1), false, webhook, 0);
        await new RolloutStore(stack.Redis, stack.Keys).StartAsync(record);

        await using var page = await SignedInAsync();
        var api = await StableAsync(page, "/console/models/propensity", "/models/propensity/live", "#rollout tr[data-window]");

        var rollout = api["rollout"]!;
        Assert.Equal("2", (string?)rollout["canary"]);
        Assert.Equal("canary (paused)", await page.Page.TextContentAsync("#rollout [data-field='phase']"));
        Assert.Equal(["10%", "50%", "100%"], await page.Page.Locator("#rollout [data-step]").AllTextContentsAsync());
        Assert.Equal("50%", await page.Page.TextContentAsync("#rollout .step.current"));
        var windows = rollout["history"]!.AsArray();
        Assert.Equal(4, windows.Sum(w => w!["verdicts"]!.AsArray().Count));
        for (var i = 0; i < windows.Count; i++)
        {
            foreach (var verdict in windows[i]!["verdicts"]!.AsArray())
            {
                var row = page.Page.Locator($"#rollout tr[data-window='{i}'][data-criterion='{verdict!["criterion"]}']");
                Assert.Equal((string?)verdict["verdict"], await row.Locator("[data-field='verdict']").TextContentAsync());
                Assert.Equal(Fixed(verdict["canary"], 3), await row.Locator("[data-field='canary']").TextContentAsync());
                Assert.Equal((string?)windows[i]!["decision"], await row.Locator("[data-field='decision']").TextContentAsync());
            }
        }
        Assert.Equal(["pass", "fail", "inconclusive"], await page.Page.Locator("#rollout tr[data-window='1'] [data-field='verdict']").AllTextContentsAsync());
        // NaN (no figure) is null in the API and a dash on the page.
        Assert.Equal("–", await page.Page.TextContentAsync("#rollout tr[data-window='1'][data-criterion='accuracy'] [data-field='canary']"));
        Assert.DoesNotContain("never-shown-token", api.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("never-shown-token", await page.Page.ContentAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync("console-live-rollout");
        page.AssertHealthy();
    }

    [Fact]
    public async Task DriftPage_ShowsTheLatestScoresStatesAndAccuracyItsApiReturns()
    {
        await using var page = await SignedInAsync();
        await page.GotoAsync("/console/drift");
        await page.Page.Locator("section.drift[data-model='propensity'][data-version='2']").WaitForAsync();
        // Read after the page: the history only grows, so it holds every evaluation the page drew.
        var api = await ApiAsync(page, "/drift?model=propensity");

        foreach (var version in new[] { "1", "2" })
        {
            var section = page.Page.Locator($"section.drift[data-model='propensity'][data-version='{version}']");
            var reports = api["versions"]!.AsArray().Single(v => (string?)v!["version"] == version)!["reports"]!.AsArray();
            // The page drew the history's first N reports (a heatmap cell each); its "now" is the Nth.
            var drawn = await section.Locator("table.heatmap tr[data-feature]").First.Locator("td.cell").CountAsync();
            Assert.InRange(drawn, 1, reports.Count);
            var report = reports[drawn - 1]!;
            var latest = await section.Locator("tr[data-evaluated]").First.GetAttributeAsync("data-evaluated");
            Assert.Equal((string?)report["evaluated_at"], latest);

            Assert.Equal((string?)report["drift_state"], await section.Locator("h2 [data-field='drift_state']").TextContentAsync());
            var features = report["features"]!.AsArray();
            Assert.NotEmpty(features);
            foreach (var feature in features)
            {
                var row = section.Locator($"tr[data-feature='{feature!["feature"]}'][data-method='{feature["method"]}']");
                Assert.Equal(Fixed(feature["score"], 4), await row.Locator("[data-field='score']").TextContentAsync());
                Assert.Equal(Fixed(feature["threshold"], 4), await row.Locator("[data-field='threshold']").TextContentAsync());
                Assert.Equal((string?)feature["state"], await row.Locator("[data-field='state']").TextContentAsync());
            }
            // The heatmap: a row per primary feature.
            var primary = features.Where(f => (bool)f!["primary"]!).Select(f => (string)f!["feature"]!).ToList();
            Assert.Equal(primary, await section.Locator("table.heatmap tr[data-feature]").EvaluateAllAsync<string[]>("r => r.map(x => x.dataset.feature)"));

            var accuracy = section.Locator("tr[data-evaluated]").First;
            Assert.True((long)report["labels"]! >= SampleStackFixture.LabelsPerVersion, report.ToJsonString());
            Assert.Equal(Text(report["labels"]), await accuracy.Locator("[data-field='labels']").TextContentAsync());
            Assert.Equal(Text(report["predictions"]), await accuracy.Locator("[data-field='predictions']").TextContentAsync());
            Assert.Equal(((double)report["coverage"]! * 100).ToString("F1", CultureInfo.InvariantCulture) + "%", await accuracy.Locator("[data-field='coverage']").TextContentAsync());
            var figure = report["accuracy"]!.AsArray().Single(a => (string?)a!["metric"] == "accuracy")!;
            Assert.Equal($"{Fixed(figure["value"], 3)} [{Fixed(figure["lower"], 3)}, {Fixed(figure["upper"], 3)}]",
                await accuracy.Locator("[data-metric='accuracy']").TextContentAsync());
        }
        await page.ScreenshotAsync("console-drift");
        page.AssertHealthy();
    }

    [Fact]
    public async Task AuditPage_ShowsTheTrailItsApiReturns_AndFiltersByKind()
    {
        await using var page = await SignedInAsync();
        var api = await StableAsync(page, "/console/audit", "/audit", "#audit tr[data-kind]");

        var entries = api["entries"]!.AsArray();
        Assert.Equal(entries.Count, await page.Page.Locator("#audit tr[data-kind]").CountAsync());
        // up pushed the sample models and the fixture made its keys: both trails are in it.
        Assert.Contains(entries, e => (string?)e!["kind"] == "registry");
        Assert.Contains(entries, e => (string?)e!["kind"] == "key");
        var first = page.Page.Locator("#audit tr[data-kind]").First;
        foreach (var field in new[] { "kind", "action", "subject", "by", "detail" })
        {
            Assert.Equal((string?)entries[0]![field], await first.Locator($"[data-field='{field}']").TextContentAsync());
        }

        await page.Page.SelectOptionAsync("#filter-kind", "key");
        await page.Page.FillAsync("#filter-subject", "stack-console");
        await page.Page.ClickAsync("#audit-filters button[type='submit']");
        await Wait.UntilAsync(async () => await page.Page.Locator("#audit tr[data-kind='registry']").CountAsync() == 0);
        var filtered = (await ApiAsync(page, "/audit?kind=key&subject=stack-console"))["entries"]!.AsArray();
        Assert.NotEmpty(filtered);
        Assert.Equal(filtered.Select(e => (string)e!["subject"]!), await page.Page.Locator("#audit tr[data-kind='key'] [data-field='subject']").AllTextContentsAsync());
        await page.ScreenshotAsync("console-audit");
        page.AssertHealthy();
    }

    [Fact]
    public async Task AuditPage_ShowsARolloutsDecisions_AndFiltersByKindRollout()
    {
        // A paused rollout of its own model (the stack's controller leaves it as it is), started and then paused
        // through the store as `mlops rollout start` and `pause` do: two decisions on the trail.
        const string model = "audit-rollout";
        var now = DateTimeOffset.UtcNow;
        var store = new RolloutStore(stack.Redis, stack.Keys);
        var record = new RolloutRecord(model, "2", "1", [10, 100], 0, RolloutPhases.Canary, Paused: true, DryRun: true,
            Confirm: false, Confirmed: false, TimeSpan.FromMinutes(1), TimeSpan.Zero, 0, 2, new Dictionary<string, int>(), new RolloutCriteria(),
            [], "Started from the browser test.", now, "browser-audit", now, now, now.AddMinutes(1), false, null, 0);
        await store.StartAsync(record);
        await store.RequestAsync(model, RolloutDecisions.Pause, "browser-audit-pauser", r => r with { Reason = "Paused by a person." });
        var decisions = await store.HistoryAsync(model);
        Assert.Equal([RolloutDecisions.Pause, RolloutDecisions.Start], decisions.Select(d => d.Decision));

        await using var page = await SignedInAsync();
        await page.GotoAsync("/console/audit");
        await page.Page.Locator("#audit tr[data-kind='rollout']").First.WaitForAsync();
        await page.Page.SelectOptionAsync("#filter-kind", "rollout");
        await page.Page.FillAsync("#filter-subject", model);
        await page.Page.ClickAsync("#audit-filters button[type='submit']");
        await Wait.UntilAsync(async () => await page.Page.Locator("#audit tr[data-kind]:not([data-kind='rollout'])").CountAsync() == 0
            && await page.Page.Locator("#audit tr[data-kind='rollout']").CountAsync() == 2);

        var entries = (await ApiAsync(page, $"/audit?kind=rollout&subject={model}"))["entries"]!.AsArray();
        Assert.Equal([RolloutDecisions.Pause, RolloutDecisions.Start], entries.Select(e => (string)e!["action"]!));
        Assert.Equal(["browser-audit-pauser", "browser-audit"], entries.Select(e => (string)e!["by"]!));
        Assert.All(entries, e => Assert.Equal($"{model} 2", (string?)e!["subject"]));
        Assert.Contains("Paused by a person.", (string?)entries[0]!["detail"], StringComparison.Ordinal);
        var rows = page.Page.Locator("#audit tr[data-kind='rollout']");
        Assert.Equal(entries.Select(e => (string)e!["action"]!), await rows.Locator("[data-field='action']").AllTextContentsAsync());
        Assert.Equal(entries.Select(e => (string)e!["detail"]!), await rows.Locator("[data-field='detail']").AllTextContentsAsync());
        // Another kind's filter leaves the rollout out.
        await page.Page.SelectOptionAsync("#filter-kind", "registry");
        await page.Page.ClickAsync("#audit-filters button[type='submit']");
        await Wait.UntilAsync(async () => await page.Page.Locator("#audit tr[data-kind='rollout']").CountAsync() == 0);
        await page.ScreenshotAsync("console-audit-rollout");
        page.AssertHealthy();
    }

    [Fact]
    public async Task KeysPage_WithTheConsoleScope_ListsTheKeysItsApiReturns_WithoutSecretsOrChanges()
    {
        await using var page = await SignedInAsync();
        var api = await StableAsync(page, "/console/keys", "/keys", "#keys tr[data-key]");

        var keys = api["keys"]!.AsArray();
        Assert.Equal(keys.Count, await page.Page.Locator("#keys tr[data-key]").CountAsync());
        var mine = keys.Single(k => (string?)k!["id"] == stack.ConsoleKeyId)!;
        var row = page.Page.Locator($"tr[data-key='{stack.ConsoleKeyId}']");
        Assert.Equal((string?)mine["name"], await row.Locator("[data-field='name']").TextContentAsync());
        Assert.Equal(string.Join(", ", mine["scopes"]!.AsArray().Select(s => (string?)s)), await row.Locator("[data-field='scopes']").TextContentAsync());
        Assert.Equal(0, await page.Page.Locator("#create-key, button[data-revoke]").CountAsync());
        var html = await page.Page.ContentAsync();
        Assert.DoesNotContain(stack.ConsoleKey, html, StringComparison.Ordinal);
        Assert.DoesNotContain(stack.AdminKey, html, StringComparison.Ordinal);
        await page.ScreenshotAsync("console-keys");
        page.AssertHealthy();
    }

    [Fact]
    public async Task KeysPage_WithAdmin_CreatesAKeyShowingItsSecretOnce_ThenRevokesIt()
    {
        await using var page = await SignedInAsync(stack.AdminKey);
        await page.GotoAsync("/console/keys");
        await page.Page.FillAsync("#new-key-name", "browser-made");
        await page.Page.FillAsync("#new-key-scopes", "infer, console");
        await page.Page.ClickAsync("#create-key button[type='submit']");
        var secret = (await page.Page.Locator("#secret").TextContentAsync())!;

        Assert.StartsWith("mlk_", secret, StringComparison.Ordinal);
        var made = (await ApiAsync(page, "/keys"))["keys"]!.AsArray().Single(k => (string?)k!["name"] == "browser-made")!;
        var id = (string)made["id"]!;
        Assert.Equal(["console", "infer"], made["scopes"]!.AsArray().Select(s => (string)s!).Order(StringComparer.Ordinal));
        await page.Page.Locator($"tr[data-key='{id}']").WaitForAsync();
        await page.ScreenshotAsync("console-keys-created");

        await page.GotoAsync("/console/keys");
        await page.Page.Locator($"tr[data-key='{id}']").WaitForAsync();
        Assert.Equal(0, await page.Page.Locator("#secret").CountAsync());
        Assert.DoesNotContain(secret, await page.Page.ContentAsync(), StringComparison.Ordinal);

        page.Page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
        await page.Page.ClickAsync($"button[data-revoke='{id}']");
        await page.Page.Locator($"tr[data-key='{id}']").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Detached });
        Assert.DoesNotContain((await ApiAsync(page, "/keys"))["keys"]!.AsArray(), k => (string?)k!["id"] == id);
        var revoked = (await ApiAsync(page, "/audit?kind=key&subject=" + id))["entries"]!.AsArray();
        Assert.Contains(revoked, e => (string?)e!["action"] == "revoked");
        page.AssertHealthy();
    }

    /// <summary>The console API at <paramref name="path"/> (under /console/api), read with the page's cookie.</summary>
    private async Task<JsonNode> ApiAsync(BrowserPage page, string path)
    {
        var response = await page.Page.Context.APIRequest.GetAsync(Console + "/api" + path);
        Assert.True(response.Ok, $"{path} answered {response.Status}: {await response.TextAsync()}");
        return JsonNode.Parse(await response.TextAsync())!;
    }

    /// <summary>
    /// Loads <paramref name="url"/> (until <paramref name="shown"/> is there) between two reads of its API,
    /// again until both reads agree: the page then shows what the API answers (the stack's gateway may
    /// flush a call the class's other tests made meanwhile).
    /// </summary>
    private async Task<JsonNode> StableAsync(BrowserPage page, string url, string path, string shown)
    {
        for (var attempt = 0; ; attempt++)
        {
            var before = await ApiAsync(page, path);
            await page.GotoAsync(url);
            await page.Page.Locator(shown).First.WaitForAsync();
            var after = await ApiAsync(page, path);
            if (JsonNode.DeepEquals(Unstamped(before), Unstamped(after)) || attempt == 4)
            {
                Assert.True(JsonNode.DeepEquals(Unstamped(before), Unstamped(after)), $"{path} kept changing: {after.ToJsonString()}");
                return after;
            }
        }
    }

    // The live view's window and buckets move with the clock; what it counts is what must agree.
    private static JsonNode? Unstamped(JsonNode node)
    {
        var copy = node.DeepClone();
        if (copy is JsonObject o)
        {
            o.Remove("from");
            o.Remove("to");
            foreach (var version in (o["versions"] as JsonArray ?? []).OfType<JsonObject>())
            {
                version.Remove("points");
            }
        }
        return copy;
    }

    private static string Text(JsonNode? value) => value!.ToJsonString();

    // As the page's num(): toFixed, a dash for null.
    private static string Fixed(JsonNode? value, int digits) =>
        value is null ? "–" : ((double)value).ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
