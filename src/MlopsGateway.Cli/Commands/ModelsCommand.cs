using System.CommandLine;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Inference;
using MlopsGateway.Contracts;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops models index|load|unload</c>: a worker's model repository, through the repository rpcs; the registry's commands beside them.</summary>
internal static class ModelsCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var models = new Command("models", "The model registry (push, list, show, history, alias, deprecate, retire, callers: in Redis), and a worker's repository (index, load, unload: Triton's repository rpcs, to the worker).");
        var adminSecret = SecretOptions.AdminSecretFile("the worker's admin secret, which its repository rpcs need.");
        adminSecret.Recursive = true;
        models.Options.Add(adminSecret);
        Task<int> Call(ParseResult parse, Func<GRPCInferenceService.GRPCInferenceServiceClient, Task> call) =>
            CallAsync(parse, SecretOptions.Read(parse, adminSecret, environment, CliEnvironment.AdminSecret, "AdminSecrets"), call);

        var index = new Command("index", "List every model version in the worker's repository with its state (READY, UNAVAILABLE, UNLOADED) and why.") { Worker() };
        index.SetAction(async (parse, cancellationToken) => await Call(parse, async client =>
        {
            var response = await client.RepositoryIndexAsync(new RepositoryIndexRequest(), cancellationToken: cancellationToken).ConfigureAwait(false);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"{"MODEL",-24}{"VERSION",-10}{"STATE",-13}REASON").ConfigureAwait(false);
            foreach (var m in response.Models)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync($"{m.Name,-24}{m.Version,-10}{m.State,-13}{m.Reason}").ConfigureAwait(false);
            }
        }).ConfigureAwait(false));

        var loadName = ModelName();
        var load = new Command("load", "Load or reload a model from the worker's repository: new and changed versions load, removed ones drain and unload.") { Worker(), loadName };
        load.SetAction(async (parse, cancellationToken) => await Call(parse, async client =>
        {
            var name = parse.GetValue(loadName)!;
            await client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = name }, cancellationToken: cancellationToken).ConfigureAwait(false);
            var metadata = await client.ModelMetadataAsync(new ModelMetadataRequest { Name = name }, cancellationToken: cancellationToken).ConfigureAwait(false);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"Loaded '{name}': versions {string.Join(", ", metadata.Versions)}.").ConfigureAwait(false);
        }).ConfigureAwait(false));

        var unloadName = ModelName();
        var unload = new Command("unload", "Unload a model; requests already queued for it finish first.") { Worker(), unloadName };
        unload.SetAction(async (parse, cancellationToken) => await Call(parse, async client =>
        {
            var name = parse.GetValue(unloadName)!;
            await client.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = name }, cancellationToken: cancellationToken).ConfigureAwait(false);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"Unloaded '{name}'.").ConfigureAwait(false);
        }).ConfigureAwait(false));

        models.Subcommands.Add(index);
        models.Subcommands.Add(load);
        models.Subcommands.Add(unload);
        ModelRegistryCommands.AddTo(models, environment);
        return models;
    }

    private static Option<Uri?> Worker() => TypedOptions.HttpAddress("--worker", "Worker address.", "http://127.0.0.1:5001", "http://127.0.0.1:5001");

    private static Argument<string> ModelName() => new("model") { Description = "Model name (its folder in the repository)." };

    private static async Task<int> CallAsync(ParseResult parse, IReadOnlyList<string> adminSecrets,
        Func<GRPCInferenceService.GRPCInferenceServiceClient, Task> call)
    {
        using var channel = GrpcChannel.ForAddress(parse.GetValue<Uri?>("--worker")!);
        var invoker = channel.CreateCallInvoker();
        if (adminSecrets.Count > 0)
        {
            // The first secret is the current one; a second is only for the worker to accept while rotating.
            var secret = adminSecrets[0];
            invoker = invoker.Intercept(headers =>
            {
                headers.Add(WorkerHeaders.AdminSecret, secret);
                return headers;
            });
        }
        try
        {
            await call(new GRPCInferenceService.GRPCInferenceServiceClient(invoker)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (RpcException ex)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"{ex.StatusCode}: {ex.Status.Detail}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
    }
}
