using Grpc.Core;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>Bounded waits for things that happen asynchronously (a change reaching a gateway, say).</summary>
public static class Wait
{
    /// <summary>
    /// Polls <paramref name="condition"/> until it holds, failing after <paramref name="seconds"/>;
    /// RPC errors (and those <paramref name="transient"/> accepts) count as "not yet".
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, int seconds = 10, Func<Exception, bool>? transient = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (DateTime.UtcNow < deadline && (ex is RpcException || transient?.Invoke(ex) == true))
            {
            }
            Assert.True(DateTime.UtcNow < deadline, $"The condition did not hold within {seconds} s.");
            await Task.Delay(50);
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, failing after <paramref name="seconds"/>.</summary>
    public static Task UntilAsync(Func<bool> condition, int seconds = 10) => UntilAsync(() => Task.FromResult(condition()), seconds);
}
