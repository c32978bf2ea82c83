using Microsoft.Playwright;
using MlopsGateway.Tests.Deploy;

namespace MlopsGateway.Tests.Browser;

/// <summary>
/// One headless chromium for a test class, driven by Playwright for .NET: Debian's build (the
/// package's own driver, no browser download), at <c>MLOPS_TEST_CHROMIUM</c> or <c>/usr/bin/chromium</c>.
/// Each test opens a <see cref="BrowserPage"/> of its own (a fresh context: no cookies shared).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Environment variable naming the chromium executable.</summary>
    public const string ChromiumVariable = "MLOPS_TEST_CHROMIUM";

    /// <summary>Environment variable naming the folder screenshots go to.</summary>
    public const string ScreenshotsVariable = "MLOPS_TEST_SCREENSHOTS";

    private IPlaywright? _playwright;

    private IBrowser? _browser;

    /// <summary>The chromium executable the tests drive.</summary>
    public static string ChromiumPath
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable(ChromiumVariable);
            return string.IsNullOrWhiteSpace(configured) ? "/usr/bin/chromium" : configured;
        }
    }

    /// <summary>
    /// Where each page's screenshot is saved: <c>MLOPS_TEST_SCREENSHOTS</c>, else
    /// <c>tests/MlopsGateway.Tests/TestResults/screenshots</c> (beside what <c>dotnet test</c> writes there).
    /// </summary>
    public static string ScreenshotsFolder
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable(ScreenshotsVariable);
            return string.IsNullOrWhiteSpace(configured)
                ? Path.Combine(KustomizeRenders.RepositoryRoot, "tests", "MlopsGateway.Tests", "TestResults", "screenshots")
                : configured;
        }
    }

    /// <summary>The browser; started by <see cref="InitializeAsync"/>.</summary>
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

    public async Task InitializeAsync()
    {
        var chromium = ChromiumPath;
        if (!File.Exists(chromium))
        {
            throw new InvalidOperationException(
                $"No chromium at {chromium}: install Debian's (apt-get install chromium; .ci/run does) or set {ChromiumVariable} to a chromium executable.");
        }
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            // Chromium refuses to start its sandbox as root (CI containers run as root); elsewhere it keeps it.
            Args = Environment.UserName == "root" ? ["--no-sandbox"] : [],
        });
    }

    /// <summary>A new page in a context of its own, watched for errors; <paramref name="baseUrl"/> resolves relative addresses.</summary>
    public async Task<BrowserPage> NewPageAsync(string? baseUrl = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl, ViewportSize = new() { Width = 1280, Height = 900 } });
        // A machine shared with builds and other suites can take seconds over what a quiet one takes.
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        return new BrowserPage(context, page);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}
