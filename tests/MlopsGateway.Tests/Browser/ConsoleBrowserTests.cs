using System.Globalization;
using System.Text.Json.Nodes;
using MlopsGateway.Gateway;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Tests.Browser;

/// <summary>
/// The console in headless chromium against what <c>mlops up</c> serves (<see cref="SampleStackFixture"/>):
/// sign in with a key, each page shows what its API returns, the playground answers as <c>mlops predict</c>
/// does and its explanation adds up; a screenshot of each page; a page with a console error, an uncaught
/// exception, a failed request or an HTTP error fails its test (<see cref="BrowserPage"/>).
/// </summary>
public sealed partial class ConsoleBrowserTests(SampleStackFixture stack, BrowserFixture browser)
    : FunctionalTest(stack.Logs), IClassFixture<SampleStackFixture>, IClassFixture<BrowserFixture>
{
    private string Console => GatewayHost.ConsoleAddress(stack.Gateway)!;

    [Fact]
    public async Task SignIn_ModelsPage_ShowsTheVersionsAndStatusesItsApiReturns()
    {
        await using var page = await SignedInAsync();
        await page.GotoAsync("/console/models");
        await page.Page.Locator("section.model[data-model='propensity'] tr[data-version]").First.WaitForAsync();

        var api = JsonNode.Parse(await (await page.Page.Context.APIRequest.GetAsync(Console + "/api/models")).TextAsync())!;
        var model = api["models"]!.AsArray().Single(m => (string?)m!["name"] == SampleModels.Propensity)!;
        foreach (var version in model["versions"]!.AsArray())
        {
            var row = page.Page.Locator($"tr[data-model='propensity'][data-version='{version!["version"]}']");
            Assert.Equal((string?)version["status"], await row.Locator("[data-field='status']").TextContentAsync());
            Assert.Equal(((string?)version["sha256"])![..12], await row.Locator("[data-field='sha256']").TextContentAsync());
        }
        Assert.Equal(2, await page.Page.Locator("tr[data-model='propensity'][data-version]").CountAsync());
        await page.ScreenshotAsync("console-models");
        page.AssertHealthy();

        await page.GotoAsync("/console/models/propensity");
        await page.Page.Locator("tr[data-model='propensity'][data-version='2']").WaitForAsync();
        await page.ScreenshotAsync("console-model-propensity");
        page.AssertHealthy();
    }

    [Fact]
    public async Task Playground_Predict_AnswersAsMlopsPredictAndTheExplanationAddsUp()
    {
        await using var page = await SignedInAsync();
        await page.GotoAsync("/console/playground");
        var fields = page.Page.Locator("input[data-feature]");
        await fields.First.WaitForAsync();
        // The first model and its highest version are picked to start with.
        Assert.Equal((SampleModels.Propensity, "2"), (await page.Page.InputValueAsync("#pg-model"), await page.Page.InputValueAsync("#pg-version")));

        // The form names the model's features and starts from the baseline's medians.
        Assert.Equal(SampleModels.PropensityFeatures, await fields.EvaluateAllAsync<string[]>("f => f.map(x => x.dataset.feature)"));
        var baseline = (await stack.Baselines.GetAsync(SampleModels.Propensity, "2"))!;
        var values = await fields.EvaluateAllAsync<double[]>("f => f.map(x => Number(x.value))");
        for (var i = 0; i < values.Length; i++)
        {
            var column = baseline.Sample.Select(r => (double)r[i]).Order().ToArray();
            Assert.Equal(MathNet.Numerics.Statistics.SortedArrayStatistics.Median(column), values[i], 9);
        }
        await fields.Nth(2).FillAsync("3");
        values[2] = 3;

        await page.Page.ClickAsync("#pg-run");
        await page.Page.Locator("#pg-prediction").WaitForAsync();
        var shown = JsonNode.Parse((await page.Page.TextContentAsync("#pg-prediction"))!)!;
        var row = string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
        var (exit, printed, error) = await CliRunner.RunAsync("predict", "--gateway", stack.GatewayAddress, "--api-key", stack.ConsoleKey,
            "--model", SampleModels.Propensity, "--version", "2", "--input", $"features=[[{row}]]");
        Assert.True(exit == 0, error);
        var predicted = JsonNode.Parse(printed)!;
        Assert.Equal(((string?)predicted["model_version"], (string?)predicted["model_name"]), ((string?)shown["model_version"], (string?)shown["model_name"]));
        Assert.True(JsonNode.DeepEquals(predicted["outputs"], shown["outputs"]), $"playground {shown["outputs"]} vs mlops predict {predicted["outputs"]}");

        var explanation = page.Page.Locator("#pg-explanation");
        await page.Page.Locator("#pg-explanation, #pg-error").First.WaitForAsync();
        Assert.True(await explanation.CountAsync() == 1, await page.Page.TextContentAsync("#pg-answer"));
        var value = double.Parse((await explanation.GetAttributeAsync("data-value"))!, CultureInfo.InvariantCulture);
        var base_ = double.Parse((await explanation.GetAttributeAsync("data-base"))!, CultureInfo.InvariantCulture);
        var attributions = (await page.Page.Locator("#pg-attributions tr[data-attribution]").EvaluateAllAsync<string[]>("r => r.map(x => x.dataset.attribution)"))
            .Select(a => double.Parse(a, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(SampleModels.PropensityFeatures.Count, attributions.Length);
        Assert.Equal(value - base_, attributions.Sum(), 4);
        // f(x) is one of the answer's probabilities: the explanation is of this very row.
        var probabilities = predicted["outputs"]!.AsArray().Single(o => (string?)o!["name"] == "probabilities")!["data"]![0]!.AsArray().Select(p => (double)p!).ToArray();
        Assert.Contains(probabilities, p => Math.Abs(p - value) < 1e-5);
        await page.ScreenshotAsync("console-playground");
        page.AssertHealthy();
    }

    [Fact]
    public async Task Playground_BadInput_ShowsTheGatewaysReasonAndTheRefusalIsTheOnlyProblem()
    {
        await using var page = await SignedInAsync();
        await page.GotoAsync("/console/playground");
        var fields = page.Page.Locator("input[data-feature]");
        await fields.First.WaitForAsync();
        // Not a number: the form sends null, and the request builder mlops predict uses refuses it with the reason.
        await fields.First.EvaluateAsync("x => { x.type = 'text'; x.value = 'many'; }");
        page.Expect(p => p.StartsWith("HTTP 400: POST ", StringComparison.Ordinal) || p.Contains("status of 400", StringComparison.Ordinal));

        await page.Page.ClickAsync("#pg-run");
        var error = page.Page.Locator("#pg-error");
        await error.WaitForAsync();

        Assert.False(string.IsNullOrWhiteSpace(await error.TextContentAsync()));
        Assert.Contains(page.Problems, p => p.StartsWith("HTTP 400: POST ", StringComparison.Ordinal));
        page.AssertHealthy();
    }

    [Fact]
    public async Task WorkersPage_EachWorkerWithItsQueueAndBatchesPerVersion()
    {
        await using var page = await SignedInAsync();
        await page.GotoAsync("/console/workers");
        var rows = page.Page.Locator("table#workers tr[data-worker]");
        await rows.First.WaitForAsync();

        var api = JsonNode.Parse(await (await page.Page.Context.APIRequest.GetAsync(Console + "/api/workers")).TextAsync())!;
        var workers = api["workers"]!.AsArray();
        Assert.Equal(workers.Count, await rows.CountAsync());
        foreach (var worker in workers)
        {
            var load = await page.Page.Locator($"tr[data-worker='{worker!["id"]}'] [data-field='load']").TextContentAsync();
            // Figures change every heartbeat; the versions and the shape of each entry do not.
            foreach (var version in worker["load"]!.AsArray())
            {
                Assert.Matches($@"{version!["model"]} {version["version"]}: queue \d+, \d+ batches, mean \d+\.\d, max \d+", load);
            }
        }
        await page.ScreenshotAsync("console-workers");
        page.AssertHealthy();
    }

    [Fact]
    public async Task SignIn_KeyWithoutTheConsoleScope_RefusedOnTheSignInPage()
    {
        await using var page = await browser.NewPageAsync(Console);
        await page.GotoAsync("/console/signin");
        page.Expect(p => p.Contains("/console/signin", StringComparison.Ordinal) && (p.StartsWith("HTTP 4", StringComparison.Ordinal) || p.Contains("status of 4", StringComparison.Ordinal)));
        await page.Page.FillAsync("#key", stack.InferOnlyKey);
        await page.Page.ClickAsync("#sign-in");
        await page.Page.Locator("#signin-error").WaitForAsync();

        Assert.EndsWith("/console/signin", new Uri(page.Page.Url).AbsolutePath, StringComparison.Ordinal);
        await page.ScreenshotAsync("console-signin-refused");
        page.AssertHealthy();
    }

    private async Task<BrowserPage> SignedInAsync(string? key = null)
    {
        var page = await browser.NewPageAsync(Console);
        await page.GotoAsync("/console/signin");
        await page.Page.FillAsync("#key", key ?? stack.ConsoleKey);
        await page.Page.ClickAsync("#sign-in");
        await page.Page.Locator("#page, #signin-error").First.WaitForAsync();
        Assert.True(await page.Page.Locator("#signin-error").CountAsync() == 0, await page.Page.TextContentAsync("body"));
        return page;
    }
}
