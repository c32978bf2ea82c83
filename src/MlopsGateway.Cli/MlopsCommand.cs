using System.CommandLine;
using MlopsGateway.Cli.Commands;

namespace MlopsGateway.Cli;

/// <summary>The <c>mlops</c> command tree.</summary>
public static class MlopsCommand
{
    /// <summary>
    /// How the tree is parsed: without response files, so that an alias (<c>@champion</c>) is an
    /// argument like any other rather than the name of a file of arguments.
    /// </summary>
    public static ParserConfiguration Parsing { get; } = new() { ResponseFileTokenReplacer = null };

    /// <summary>Every role and tool as a subcommand, falling back on the process's environment variables.</summary>
    public static RootCommand Create() => Create(CliEnvironment.Process());

    /// <summary>The command tree reading its environment variables from <paramref name="environment"/>.</summary>
    internal static RootCommand Create(CliEnvironment environment)
    {
        var root = new RootCommand("mlops: a gRPC inference gateway for ONNX models (Open Inference Protocol v2).\n" + ExitCodes.Help)
        {
            UpCommand.Create(environment),
            GatewayCommand.Create(environment),
            WorkerCommand.Create(environment),
            PredictCommand.Create(environment),
            ExplainCommand.Create(environment),
            KeysCommand.Create(environment),
            TokenCommand.Create(environment),
            FeedbackCommand.Create(environment),
            ModelsCommand.Create(environment),
            RolloutCommand.Create(environment),
            WorkersCommand.Create(environment),
            LoadTestCommand.Create(environment),
            MonitorCommand.Create(environment),
        };
        NamespaceOption.Apply(root, environment);
        environment.Apply(root);
        SettingsRefusal.Apply(root);
        return root;
    }
}
