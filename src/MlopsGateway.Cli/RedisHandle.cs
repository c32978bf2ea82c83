using MlopsGateway.Registry;
using StackExchange.Redis;

namespace MlopsGateway.Cli;

/// <summary>A Redis connection and, when no address was given, the embedded server behind it.</summary>
internal sealed class RedisHandle : IAsyncDisposable
{
    /// <summary>The options that set a role's Redis, as a refusal names them.</summary>
    public const string Options = "--redis or " + CliEnvironment.Redis;

    private readonly EmbeddedRedisServer? _embedded;

    private RedisHandle(ConnectionMultiplexer connection, EmbeddedRedisServer? embedded, string address)
    {
        Connection = connection;
        _embedded = embedded;
        Address = address;
    }

    public ConnectionMultiplexer Connection { get; }

    /// <summary>The address connected to, for people to pass to other commands; a password in it is masked.</summary>
    public string Address { get; }

    public bool IsEmbedded => _embedded is not null;

    /// <summary>
    /// Connects to <paramref name="connectionString"/> (trusting the CA in <paramref name="trustedCaPath"/> for its
    /// TLS certificate, when given), or starts the embedded server when it is null.
    /// </summary>
    /// <exception cref="SettingRefusedException">Redis cannot be reached there, or the string is not a connection string.</exception>
    public static async Task<RedisHandle> OpenAsync(string? connectionString, string? trustedCaPath = null)
    {
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new RedisHandle(await ConnectAsync(connectionString, trustedCaPath).ConfigureAwait(false), null, Display(connectionString));
        }
        var embedded = EmbeddedRedisServer.Start();
        try
        {
            var connection = await RedisConnector.ConnectAsync(embedded.ConnectionString).ConfigureAwait(false);
            return new RedisHandle(connection, embedded, embedded.ConnectionString);
        }
        catch
        {
            embedded.Dispose();
            throw;
        }
    }

    /// <summary>Connects a role to <paramref name="connectionString"/>, refusing to start it when Redis is not there.</summary>
    /// <exception cref="SettingRefusedException">Redis cannot be reached there, or the string is not a connection string.</exception>
    public static async Task<ConnectionMultiplexer> ConnectAsync(string connectionString, string? trustedCaPath = null)
    {
        try
        {
            return await RedisConnector.ConnectAsync(connectionString, trustedCaPath: trustedCaPath).ConfigureAwait(false);
        }
        catch (ArgumentException ex) when (ex.ParamName == "trustedCaPath")
        {
            throw new SettingRefusedException("Redis CA", "--redis-ca or " + CliEnvironment.RedisCa, ex.Message.Split(" (Parameter")[0], ex);
        }
        catch (ArgumentException ex)
        {
            throw new SettingRefusedException("Redis", Options,
                $"not a Redis connection string: {RedisConnectionString.Redact(ex.Message, connectionString)}", ex);
        }
        catch (Exception ex) when (ex is InvalidOperationException or RedisException)
        {
            throw new SettingRefusedException("Redis", Options,
                $"could not reach Redis at '{Endpoint(connectionString)}'; check the address and that Redis runs there.", ex);
        }
    }

    /// <summary><paramref name="connectionString"/> with its password, if any, masked: fit to print.</summary>
    public static string Display(string connectionString) => RedisConnectionString.Redact(connectionString);

    /// <summary>Whether <see cref="Address"/> had a secret masked (and so cannot be passed on as it is printed).</summary>
    public bool HidesSecret => Address.Contains(RedisConnectionString.Mask, StringComparison.Ordinal);

    private static string Endpoint(string connectionString) =>
        RedisConnectionString.Redact(RedisConnectionString.Parse(connectionString).EndPoints.FirstOrDefault()?.ToString() ?? "(no endpoint)", connectionString);

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync().ConfigureAwait(false);
        _embedded?.Dispose();
    }
}
