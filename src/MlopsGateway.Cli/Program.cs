using System.CommandLine;
using MlopsGateway.Cli;

if (args is ["loadtest", ..])
{
    // Between requests the load tool waits for the next one's due time, and the thread pool's idle
    // workers spin for work meanwhile: about 40% of the tool's CPU, taken from the servers it shares
    // cores with. Not spinning, it costs 40% less at 800 requests/s with the same latencies (perf/README.md).
    // Read once, when the pool starts its first worker thread: before any work is queued.
    AppContext.SetData("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", 0);
}

// Ctrl-C cancels the running command's token; give servers time to drain before the process ends.
return await MlopsCommand.Create().Parse(args)
    .InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(15) });
