using StackExchange.Redis;

namespace MlopsGateway.Registry;

/// <summary>Opens Redis connections with the settings every role shares.</summary>
public static class RedisConnector
{
    /// <summary>
    /// Connects to <paramref name="connectionString"/> (StackExchange.Redis's form, <c>ssl=true</c> for TLS,
    /// or a <c>redis://</c> / <c>rediss://</c> URI, see <see cref="RedisConnectionString.Parse"/>). The
    /// connection keeps retrying in the background after a drop, so a role started before Redis, or
    /// one that outlives a Redis restart, recovers on its own.
    /// </summary>
    /// <param name="connectionString">Where Redis is; its password never reaches an exception's message.</param>
    /// <param name="log">StackExchange.Redis's connection log, when wanted.</param>
    /// <param name="trustedCaPath">
    /// A PEM file of the CA that signed the Redis server's certificate, trusted beside the machine's
    /// roots (a private CA); needs TLS on in the connection string.
    /// </param>
    /// <exception cref="ArgumentException">The string is not a connection string, or a CA was given without TLS.</exception>
    /// <exception cref="InvalidOperationException">Redis could not be reached.</exception>
    public static async Task<ConnectionMultiplexer> ConnectAsync(string connectionString, TextWriter? log = null, string? trustedCaPath = null)
    {
        var options = RedisConnectionString.Parse(connectionString);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 5000;
        options.ClientName ??= "mlops";
        if (trustedCaPath is not null)
        {
            // Refused rather than ignored: whoever names a CA expects TLS, and would otherwise send the password in clear.
            if (!options.Ssl)
            {
                throw new ArgumentException(
                    $"A CA for Redis was given ('{trustedCaPath}') but the connection string does not turn TLS on; add ssl=true (or use rediss://).",
                    nameof(trustedCaPath));
            }
            if (!File.Exists(trustedCaPath))
            {
                throw new ArgumentException($"The CA file for Redis '{trustedCaPath}' does not exist.", nameof(trustedCaPath));
            }
            options.TrustIssuer(trustedCaPath);
        }
        var connection = await ConnectionMultiplexer.ConnectAsync(options, log).ConfigureAwait(false);
        if (!connection.IsConnected)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            var endpoint = RedisConnectionString.Redact(options.EndPoints.FirstOrDefault()?.ToString() ?? "(no endpoint)", connectionString);
            throw new InvalidOperationException(options.Ssl
                ? $"Could not reach Redis at '{endpoint}' over TLS. Check the address, that Redis serves TLS there, and that its certificate is trusted (a private CA: --redis-ca)."
                : $"Could not reach Redis at '{endpoint}'. Check the address, or leave --redis out to use the embedded server.");
        }
        return connection;
    }
}
