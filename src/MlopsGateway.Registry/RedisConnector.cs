using StackExchange.Redis;

namespace MlopsGateway.Registry;

/// <summary>Opens Redis connections with the settings every role shares.</summary>
public static class RedisConnector
{
    /// <summary>
    /// Connects to <paramref name="connectionString"/>. The connection keeps retrying in the
    /// background after a drop, so a role started before Redis, or one that outlives a Redis
    /// restart, recovers on its own.
    /// </summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(string connectionString, TextWriter? log = null)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 5000;
        options.ClientName ??= "mlops";
        var connection = await ConnectionMultiplexer.ConnectAsync(options, log).ConfigureAwait(false);
        if (!connection.IsConnected)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException(
                $"Could not reach Redis at '{options.EndPoints.FirstOrDefault()}'. Check the address, or leave --redis out to use the embedded server.");
        }
        return connection;
    }
}
