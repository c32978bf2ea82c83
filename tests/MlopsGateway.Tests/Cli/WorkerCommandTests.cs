using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Cli;

/// <summary><c>mlops worker</c> refuses settings it cannot serve with, in words rather than a stack trace.</summary>
public class WorkerCommandTests
{
    [Fact]
    public async Task Invoke_ModelsFolderMissing_RefusedNamingTheOptionWithoutAStackTrace()
    {
        var missing = Path.Combine(Path.GetTempPath(), "mlops-no-such-folder-" + Guid.NewGuid().ToString("N"));

        var (exit, _, error) = await CliRunner.RunAsync("worker", "--insecure-no-worker-secret", "--models", missing, "--port", "0", "--metrics-port", "0");

        Assert.Equal(1, exit);
        Assert.Contains("mlops worker: not started; fix these settings:", error);
        Assert.Contains($"ModelRepository (--models): the folder '{missing}' does not exist.", error);
        Assert.DoesNotContain("OptionsValidationException", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public async Task Invoke_DrainDelayNotADuration_RefusedNamingTheOption()
    {
        var (exit, _, error) = await CliRunner.RunAsync("worker", "--models", Path.GetTempPath(), "--drain-delay", "soon", "--port", "0", "--metrics-port", "0");

        Assert.Equal(1, exit);
        Assert.Contains("--drain-delay 'soon' is not a duration; write e.g. 1s, 500ms, 0.", error);
    }

    [Fact]
    public async Task Invoke_NoWorkerSecret_RefusedNamingWhereOneComesFromAndTheEscape()
    {
        var (exit, _, error) = await CliRunner.RunAsync("worker", "--models", Path.GetTempPath(), "--port", "0", "--metrics-port", "0");

        Assert.Equal(1, exit);
        Assert.Equal(
            "mlops worker: not started; fix these settings: WorkerSecrets (--worker-secret-file or MLOPS_WORKER_SECRET): a worker answers only callers with its secret; give the gateways' worker secret, or --insecure-no-worker-secret to serve anyone who reaches the port.",
            error.Trim());
    }

    [Fact]
    public async Task Invoke_ShortSecretFromTheEnvironment_RefusedWithoutPrintingIt()
    {
        const string secret = "short-env-secret";

        var (exit, output, error) = await CliRunner.RunAsync(new Dictionary<string, string> { ["MLOPS_WORKER_SECRET"] = secret },
            "worker", "--models", Path.GetTempPath(), "--port", "0", "--metrics-port", "0");

        Assert.Equal(1, exit);
        Assert.Contains("WorkerSecrets (--worker-secret-file or MLOPS_WORKER_SECRET): secret 1 must be at least 32 characters, not 16.", error);
        Assert.DoesNotContain(secret, output + error);
    }

    [Fact]
    public async Task Invoke_SecretFileWithThreeLines_RefusedAtMostTwo()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(file, [new string('a', 32), new string('b', 32), new string('c', 32)]);

            var (exit, _, error) = await CliRunner.RunAsync("worker", "--worker-secret-file", file, "--models", Path.GetTempPath(), "--port", "0", "--metrics-port", "0");

            Assert.Equal(1, exit);
            Assert.Contains("WorkerSecrets (--worker-secret-file or MLOPS_WORKER_SECRET): at most two at once (the current and the next), not 3.", error);
            Assert.DoesNotContain(new string('a', 32), error);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Invoke_SecretFileMissing_RefusedNamingTheFile()
    {
        var missing = Path.Combine(Path.GetTempPath(), "mlops-no-such-secret-" + Guid.NewGuid().ToString("N"));

        var (exit, _, error) = await CliRunner.RunAsync("worker", "--worker-secret-file", missing, "--models", Path.GetTempPath(), "--port", "0", "--metrics-port", "0");

        Assert.Equal(1, exit);
        Assert.Contains($"WorkerSecrets (--worker-secret-file or MLOPS_WORKER_SECRET): could not read '{missing}'", error);
    }
}
