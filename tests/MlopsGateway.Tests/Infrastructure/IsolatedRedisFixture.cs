namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// A redis-server of one test class's own, for tests that write records other tests' gateways
/// would act on (fake workers at unreachable addresses, say).
/// </summary>
public sealed class IsolatedRedisFixture : IAsyncLifetime
{
    private RedisProcess? _server;

    public string Address => _server!.Address;

    public async Task InitializeAsync() => _server = await RedisProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
