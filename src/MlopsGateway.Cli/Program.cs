using System.CommandLine;
using MlopsGateway.Cli;

if (args is ["loadtest", ..])
{
    // Between requests the load tool waits for the next one's due time, and the thread pool's idle
    // workers spin for work meanwhile, on the cores the servers under test may share. Not spinning,
    // the tool used half the CPU at 800 requests/s; its p50 read up to 23% higher, from its own
    // wake-ups (perf/README.md, bash perf/loadtest-cpu.sh). DOTNET_ThreadPool_UnfairSemaphoreSpinLimit
    // in the environment wins over this. Read once, when the pool starts its first worker thread.
    AppContext.SetData("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", 0);
}

// Ctrl-C cancels the running command's token; give servers time to drain before the process ends.
return await MlopsCommand.Create().Parse(args, MlopsCommand.Parsing)
    .InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(15) });
