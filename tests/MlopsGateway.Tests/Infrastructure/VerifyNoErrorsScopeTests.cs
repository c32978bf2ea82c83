using Microsoft.Extensions.Logging;
using Xunit.Sdk;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>The per-test check of the servers' logs fails a test on what it did not expect, and only on that.</summary>
public sealed class VerifyNoErrorsScopeTests
{
    private static ILogger Logger(LogCollector collector) => LoggerFactory.Create(collector.Configure).CreateLogger("Tests.Server");

    [Fact]
    public void Dispose_ErrorLoggedDuringTheScope_FailsNamingIt()
    {
        var collector = new LogCollector();
        var scope = new VerifyNoErrorsScope(collector);

        Logger(collector).LogError(new EventId(7, "SomethingBroke"), "the worker at {Address} broke", "http://127.0.0.1:1");

        var ex = Assert.Throws<XunitException>(scope.Dispose);
        Assert.Contains("1 unexpected entries", ex.Message);
        Assert.Contains("Error Tests.Server [SomethingBroke] the worker at http://127.0.0.1:1 broke", ex.Message);
    }

    [Fact]
    public void Dispose_ErrorLoggedBeforeTheScope_NotThisTests()
    {
        var collector = new LogCollector();
        Logger(collector).LogError("an earlier test's error");
        var scope = new VerifyNoErrorsScope(collector);

        Logger(collector).LogInformation("this test's calls");

        scope.Dispose();
    }

    [Fact]
    public void Dispose_ExpectedErrorAndOthers_FailsOnTheOthersOnly()
    {
        var worker = new LogCollector();
        var gateway = new LogCollector();
        var scope = new VerifyNoErrorsScope(worker, gateway);
        scope.Expect(e => e.Event.Name == "ModelRefused", from: worker);

        Logger(worker).LogError(new EventId(1002, "ModelRefused"), "version 4 refused");
        Assert.Empty(scope.Unexpected());
        // The same event from a server the expectation does not name, and another event.
        Logger(gateway).LogError(new EventId(1002, "ModelRefused"), "refused elsewhere");
        Logger(worker).LogCritical(new EventId(1004, "InferenceFailed"), "version 2 failed");

        var ex = Assert.Throws<XunitException>(scope.Dispose);
        Assert.Contains("2 unexpected entries", ex.Message);
        Assert.Contains("[InferenceFailed] version 2 failed", ex.Message);
        Assert.Contains("[ModelRefused] refused elsewhere", ex.Message);
        Assert.DoesNotContain("version 4 refused", ex.Message);
    }

    [Fact]
    public void Dispose_Warning_FailsOnlyWhereTheCollectorSaysSo()
    {
        var lenient = new LogCollector();
        var strict = new LogCollector { FailLevel = LogLevel.Warning };
        var scope = new VerifyNoErrorsScope(lenient, strict);

        Logger(lenient).LogWarning("tolerated here");
        Assert.Empty(scope.Unexpected());
        Logger(strict).LogWarning("Unable to disable max request body size");

        var ex = Assert.Throws<XunitException>(scope.Dispose);
        Assert.Contains("Warning Tests.Server [] Unable to disable max request body size", ex.Message);
        Assert.DoesNotContain("tolerated here", ex.Message);
    }

    [Fact]
    public void Dispose_FunctionalTestWhoseServerLoggedAnError_Fails()
    {
        var fixtureLogs = new LogCollector();
        var test = new SampleTest(fixtureLogs);
        var own = test.OwnServerLogs();

        Logger(own).LogError("a server of the test's own failed");

        // xUnit disposes each test's instance when the test ends and fails the test on what Dispose throws.
        var ex = Assert.Throws<XunitException>(test.Dispose);
        Assert.Contains("a server of the test's own failed", ex.Message);
    }

    private sealed class SampleTest(LogCollector fixtureLogs) : FunctionalTest(fixtureLogs)
    {
        public LogCollector OwnServerLogs() => NewLogs();
    }
}
