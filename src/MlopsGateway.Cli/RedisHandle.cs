using MlopsGateway.Registry;
using StackExchange.Redis;

namespace MlopsGateway.Cli;

/// <summary>A Redis connection and, when no address was given, the embedded server behind it.</summary>
internal sealed class RedisHandle : IAsyncDisposable
{
    private readonly EmbeddedRedisServer? _embedded;

    private RedisHandle(ConnectionMultiplexer connection, EmbeddedRedisServer? embedded, string address)
    {
        Connection = connection;
        _embedded = embedded;
        Address = address;
    }

    public ConnectionMultiplexer Connection { get; }

    /// <summary>The address connected to, for people to pass to other commands.</summary>
    public string Address { get; }

    public bool IsEmbedded => _embedded is not null;

    /// <summary>Connects to <paramref name="connectionString"/>, or starts the embedded server when it is null.</summary>
    public static async Task<RedisHandle> OpenAsync(string? connectionString)
    {
        EmbeddedRedisServer? embedded = null;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            embedded = EmbeddedRedisServer.Start();
            connectionString = embedded.ConnectionString;
        }
        try
        {
            var connection = await RedisConnector.ConnectAsync(connectionString).ConfigureAwait(false);
            return new RedisHandle(connection, embedded, connectionString);
        }
        catch
        {
            embedded?.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync().ConfigureAwait(false);
        _embedded?.Dispose();
    }
}
