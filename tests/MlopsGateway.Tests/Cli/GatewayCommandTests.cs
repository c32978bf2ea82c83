using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Cli;

/// <summary><c>mlops gateway</c>'s options are checked before anything starts.</summary>
public class GatewayCommandTests
{
    [Fact]
    public async Task Invoke_ShadowGatherNotADuration_RefusedNamingTheOption()
    {
        var (exit, _, error) = await CliRunner.RunAsync("gateway", "--shadow-gather", "soon", "--port", "0", "--metrics-port", "0");

        Assert.Equal(1, exit);
        Assert.Contains("--shadow-gather 'soon' is not a duration; write e.g. 10ms, 0.", error);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("120")]
    public async Task Invoke_ShadowCpuLimitOutOfRange_RefusedNamingTheOption(string limit)
    {
        var (exit, _, error) = await CliRunner.RunAsync("gateway", "--shadow-cpu-limit", limit, "--port", "0", "--metrics-port", "0");

        Assert.Equal(1, exit);
        Assert.Contains($"--shadow-cpu-limit must be above 0 and at most 100 (percent), not {limit}.", error);
    }

    [Fact]
    public async Task Invoke_SettingTheGatewayValidatorRefuses_EveryFailureOnItsOwnLineWithoutAStackTrace()
    {
        var (exit, _, error) = await CliRunner.RunAsync(
            "gateway", "--max-request-bytes", "0", "--retry-buffer-bytes", "-1", "--worker", "ftp://10.0.0.5:5001", "--jwt-signing-key", "too-short", "--port", "0", "--metrics-port", "0");

        Assert.Equal(1, exit);
        Assert.Contains("mlops gateway: not started; fix these settings:", error);
        Assert.Contains("  Workers (--worker): 'ftp://10.0.0.5:5001' is not an http:// or https:// address.", error);
        Assert.Contains("  MaxRequestBodySize (--max-request-bytes): must be positive, not 0.", error);
        Assert.Contains("  RetryBufferLimit (--retry-buffer-bytes): must not be negative, not -1.", error);
        Assert.Contains("  JwtSigningKey (--jwt-signing-key or MLOPS_JWT_SIGNING_KEY): must be at least 32 bytes", error);
        // The key itself is never echoed.
        Assert.DoesNotContain("too-short", error);
        Assert.DoesNotContain("   at ", error);
    }
}
