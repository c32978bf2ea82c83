using System.CommandLine;
using MlopsGateway.Registry;
using StackExchange.Redis;

namespace MlopsGateway.Cli.Commands;

/// <summary>What the commands that work on a deployment's Redis (keys, rollout, workers) share.</summary>
internal static class RedisCommands
{
    public const string OptionName = "--redis";

    public static Option<string> RedisRequired() => new(OptionName)
    {
        Description = "Redis connection string of the deployment (mlops up prints it).",
        Required = true,
    };

    /// <summary>Connects, runs <paramref name="action"/>, and turns Redis and argument errors into a message and exit code 1.</summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<ConnectionMultiplexer, Task<int>> action)
    {
        var address = parse.GetValue<string>(OptionName)!;
        try
        {
            await using var redis = await RedisConnector.ConnectAsync(address).ConfigureAwait(false);
            return await action(redis).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or RedisException or ArgumentException)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 1;
        }
    }
}
