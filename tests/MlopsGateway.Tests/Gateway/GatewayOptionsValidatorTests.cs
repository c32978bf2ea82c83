using Microsoft.Extensions.Options;
using MlopsGateway.Gateway;

namespace MlopsGateway.Tests.Gateway;

/// <summary>Every feature's settings are checked together: one start-up names every problem.</summary>
public class GatewayOptionsValidatorTests
{
    [Fact]
    public void Validate_ProblemsInEveryFeature_AllListed()
    {
        var options = new GatewayOptions
        {
            Workers = ["ftp://worker:1"],
            MaxRequestBodySize = 0,
            ShadowCpuLimit = 0,
            JwtSigningKey = "s3cr3t-k3y",
        };

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(
            ["JwtSigningKey:", "MaxRequestBodySize:", "ShadowCpuLimit:", "Workers:"],
            result.Failures!.Select(f => f[..(f.IndexOf(':', StringComparison.Ordinal) + 1)]).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(result.Failures!, f => f.Contains("s3cr3t-k3y", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_NegativeWorkerHoldLimit_Refused()
    {
        var result = new GatewayOptionsValidator().Validate(null, new GatewayOptions { WorkerHoldLimit = TimeSpan.FromSeconds(-1) });

        Assert.Equal("WorkerHoldLimit: must not be negative, not -00:00:01.", Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_Defaults_Pass()
    {
        Assert.Same(ValidateOptionsResult.Success, new GatewayOptionsValidator().Validate(null, new GatewayOptions()));
    }

    [Theory]
    [InlineData("short-worker-secret", "WorkerSecret: must be at least 32 characters, not 19.")]
    [InlineData("worker secret with spaces 0123456789", "WorkerSecret: must be printable ASCII without spaces (it is sent as a header).")]
    public void Validate_WeakWorkerSecret_RefusedWithoutNamingIt(string secret, string expected)
    {
        var result = new GatewayOptionsValidator().Validate(null, new GatewayOptions { WorkerSecret = secret });

        Assert.Equal([expected], result.Failures!);
    }
}
