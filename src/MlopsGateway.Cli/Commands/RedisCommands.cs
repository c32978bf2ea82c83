using System.CommandLine;
using MlopsGateway.Registry;
using StackExchange.Redis;

namespace MlopsGateway.Cli.Commands;

/// <summary>What the commands that work on a deployment's Redis (keys, rollout, workers) share.</summary>
internal static class RedisCommands
{
    private const string OptionName = "--redis";

    /// <summary>The deployment's Redis, from <c>--redis</c> or <c>MLOPS_REDIS</c>; the parser refuses a command given neither.</summary>
    public static Option<string?> RedisRequired(CliEnvironment environment) => environment.FallBack(new Option<string?>(OptionName)
    {
        Description = $"Redis connection string of the deployment (mlops up prints it; a Redis Cluster: several nodes, host:port,host:port,...); a private CA for its TLS certificate from {CliEnvironment.RedisCa}.",
    }, CliEnvironment.Redis, required: true);

    /// <summary>
    /// Connects, runs <paramref name="action"/> with the keys of the command's namespace (<c>--namespace</c>), and turns Redis
    /// and argument errors into a message and <see cref="ExitCodes.Refused"/>.
    /// </summary>
    public static async Task<int> RunAsync(ParseResult parse, CliEnvironment environment, Func<ConnectionMultiplexer, RedisKeys, Task<int>> action)
    {
        var option = parse.CommandResult.Command.Options.OfType<Option<string?>>().Single(o => o.Name == OptionName);
        var connectionString = environment.ValueOf(parse, option)!;
        var keys = NamespaceOption.Keys(parse, environment);
        try
        {
            await using var redis = await RedisConnector.ConnectAsync(connectionString, trustedCaPath: environment.Read(CliEnvironment.RedisCa))
                .ConfigureAwait(false);
            return await action(redis, keys).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or RedisException or ArgumentException)
        {
            // StackExchange.Redis's messages may quote the configuration; the password stays out of them.
            await parse.InvocationConfiguration.Error.WriteLineAsync(RedisConnectionString.Redact(ex.Message, connectionString)).ConfigureAwait(false);
            return ExitCodes.Refused;
        }
    }
}
