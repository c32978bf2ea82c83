using System.CommandLine;
using MlopsGateway.Cli;

// Ctrl-C cancels the running command's token; give servers time to drain before the process ends.
return await MlopsCommand.Create().Parse(args)
    .InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(15) });
