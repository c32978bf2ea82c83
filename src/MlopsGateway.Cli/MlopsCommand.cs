using System.CommandLine;
using MlopsGateway.Cli.Commands;

namespace MlopsGateway.Cli;

/// <summary>The <c>mlops</c> command tree.</summary>
public static class MlopsCommand
{
    /// <summary>Every role and tool as a subcommand.</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand("mlops: a gRPC inference gateway for ONNX models (Open Inference Protocol v2).")
        {
            UpCommand.Create(),
            GatewayCommand.Create(),
            WorkerCommand.Create(),
            PredictCommand.Create(),
            KeysCommand.Create(),
            TokenCommand.Create(),
            ModelsCommand.Create(),
            RolloutCommand.Create(),
            WorkersCommand.Create(),
            LoadTestCommand.Create(),
        };
        SettingsRefusal.Apply(root);
        return root;
    }
}
