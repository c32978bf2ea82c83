using System.CommandLine;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops monitor</c>: model monitoring, drift against baselines.</summary>
internal static class MonitorCommand
{
    public static Command Create(CliEnvironment environment) => new("monitor", "Model monitoring: baselines that drift is measured against.")
    {
        MonitorBaselineCommand.Create(environment),
    };
}
