using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Auth;
using MlopsGateway.Gateway.Shadow;

namespace MlopsGateway.Tests.Gateway;

/// <summary>What AddMlopsGateway sets up follows the bound options, wherever they were bound from.</summary>
public class GatewayRegistrationTests
{
    private static ServiceProvider FromConfiguration(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMlopsGateway(_ => { });
        services.Configure<GatewayOptions>(configuration.GetSection("Gateway"));
        return services.BuildServiceProvider();
    }

    [Fact]
    public void AddMlopsGateway_SigningKeyFromConfiguration_JwtsAccepted()
    {
        using var services = FromConfiguration(new() { ["Gateway:JwtSigningKey"] = "a-signing-key-of-at-least-32-bytes!!" });

        Assert.True(services.GetRequiredService<JwtAuthenticator>().Enabled);
    }

    [Fact]
    public void AddMlopsGateway_NoSigningKey_JwtsRefused()
    {
        using var services = FromConfiguration([]);

        Assert.False(services.GetRequiredService<JwtAuthenticator>().Enabled);
    }

    [Theory]
    [InlineData(100, false)]
    [InlineData(90, true)]
    public void ReadsCpu_FollowsTheLimit(double limit, bool reads)
    {
        var supported = OperatingSystem.IsLinux() || OperatingSystem.IsWindows();

        Assert.Equal(reads && supported, ShadowServiceCollectionExtensions.ReadsCpu(new GatewayOptions { ShadowCpuLimit = limit }));
    }
}
