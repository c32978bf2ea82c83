using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace MlopsGateway.Tests.Browser;

/// <summary>
/// A page that records what makes a page broken: an error on its console, an uncaught exception, a
/// request that failed and a response of HTTP 400 or above. <see cref="AssertHealthy"/> fails the
/// test listing them; a test that provokes one on purpose declares it with <see cref="Expect"/>.
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;

    private readonly ConcurrentQueue<string> _problems = new();

    private readonly List<Func<string, bool>> _expected = [];

    internal BrowserPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                _problems.Enqueue($"console error: {message.Text} ({message.Location})");
            }
        };
        page.PageError += (_, error) => _problems.Enqueue($"uncaught: {error}");
        page.RequestFailed += (_, request) => _problems.Enqueue($"request failed: {request.Method} {request.Url}: {request.Failure}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                _problems.Enqueue($"HTTP {response.Status}: {response.Request.Method} {response.Url}");
            }
        };
    }

    /// <summary>The Playwright page.</summary>
    public IPage Page { get; }

    /// <summary>What went wrong so far, expected or not.</summary>
    public IReadOnlyList<string> Problems => [.. _problems];

    /// <summary>Declares the problems <paramref name="filter"/> accepts expected (a sign-in refused on purpose, say).</summary>
    public void Expect(Func<string, bool> filter) => _expected.Add(filter);

    /// <summary>Fails when the page had a problem nobody declared expected.</summary>
    public void AssertHealthy()
    {
        var unexpected = _problems.Where(p => !_expected.Any(e => e(p))).ToList();
        Assert.True(unexpected.Count == 0, $"The page at {Page.Url} is broken:{Environment.NewLine}{string.Join(Environment.NewLine, unexpected)}");
    }

    /// <summary>
    /// Goes to <paramref name="url"/>, waits until the network is idle (the page's scripts have
    /// fetched what they show), and fails when the navigation itself did not answer 2xx.
    /// </summary>
    public async Task GotoAsync(string url)
    {
        var response = await Page.GotoAsync(url, new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        Assert.True(response is not null && response.Ok, $"{url} answered {response?.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing"}.");
    }

    /// <summary>Saves a full-page screenshot as <c>NAME.png</c> in <see cref="BrowserFixture.ScreenshotsFolder"/>; returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var folder = BrowserFixture.ScreenshotsFolder;
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
