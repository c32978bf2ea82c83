using MlopsGateway.Tests.Infrastructure;
using Xunit.Sdk;

namespace MlopsGateway.Tests.Browser;

/// <summary>
/// The browser harness itself, against pages a real Kestrel serves: Debian's chromium starts under
/// Playwright, a healthy page passes and leaves a screenshot, and each kind of broken page fails.
/// </summary>
public sealed class BrowserFixtureTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;

    private readonly string _folder = Directory.CreateTempSubdirectory("mlops-browser-").FullName;

    private StaticFileServer _server = null!;

    public BrowserFixtureTests(BrowserFixture browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        // Each page names an inline icon: otherwise chromium asks for /favicon.ico, and its 404 is a console error.
        await File.WriteAllTextAsync(Path.Combine(_folder, "ok.html"), "<!doctype html><link rel=icon href='data:,'><title>ok</title><h1 id=h>fine</h1><script>document.getElementById('h').dataset.ran = 'yes';</script>");
        await File.WriteAllTextAsync(Path.Combine(_folder, "console.html"), "<!doctype html><link rel=icon href='data:,'><title>console</title><script>console.error('chart data missing');</script>");
        await File.WriteAllTextAsync(Path.Combine(_folder, "throws.html"), "<!doctype html><link rel=icon href='data:,'><title>throws</title><script>null.length;</script>");
        await File.WriteAllTextAsync(Path.Combine(_folder, "missing.html"), "<!doctype html><link rel=icon href='data:,'><title>missing</title><script src='/gone.js'></script>");
        // Port 9 (discard) on loopback has no listener: the connection is refused.
        await File.WriteAllTextAsync(Path.Combine(_folder, "refused.html"), "<!doctype html><link rel=icon href='data:,'><title>refused</title><script>fetch('http://127.0.0.1:9/api').catch(() => {});</script>");
        _server = await StaticFileServer.StartAsync(_folder);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task A_healthy_page_runs_its_script_passes_and_leaves_a_screenshot()
    {
        await using var page = await _browser.NewPageAsync(_server.Address);
        await page.GotoAsync("/ok.html");

        Assert.Equal("yes", await page.Page.GetAttributeAsync("#h", "data-ran"));
        page.AssertHealthy();
        var screenshot = await page.ScreenshotAsync("harness-ok");
        var bytes = await File.ReadAllBytesAsync(screenshot);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        Assert.StartsWith(BrowserFixture.ScreenshotsFolder, screenshot, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("console.html", "console error: chart data missing")]
    [InlineData("throws.html", "uncaught: ")]
    [InlineData("missing.html", "HTTP 404: GET ")]
    [InlineData("refused.html", "request failed: GET http://127.0.0.1:9/api")]
    public async Task A_broken_page_fails_naming_what_broke(string file, string problem)
    {
        await using var page = await _browser.NewPageAsync(_server.Address);
        await page.GotoAsync("/" + file);
        await Wait.UntilAsync(() => page.Problems.Count > 0);

        var failure = Assert.Throws<TrueException>(page.AssertHealthy);
        Assert.Contains(problem, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_problem_declared_expected_does_not_fail_the_page()
    {
        await using var page = await _browser.NewPageAsync(_server.Address);
        page.Expect(p => p.Contains("chart data missing", StringComparison.Ordinal));
        await page.GotoAsync("/console.html");
        await Wait.UntilAsync(() => page.Problems.Count > 0);

        page.AssertHealthy();
    }
}
