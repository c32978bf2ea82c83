using MlopsGateway.Registry.Artifacts;
using MlopsGateway.Registry.Models;

namespace MlopsGateway.Worker.Publishing;

/// <summary>
/// A push from start to end: hashes the ONNX file, has ONNX Runtime load it and read its signature,
/// then records it in the registry and copies it into the artefact store. A file ONNX Runtime cannot
/// load is recorded <see cref="ModelStatus.Failed"/> with the reason, and not copied.
/// </summary>
/// <param name="registry">The registry to record versions in.</param>
/// <param name="artifacts">The artefact store to copy files into.</param>
public sealed class ModelPublisher(ModelRegistry registry, ArtifactDirectory artifacts)
{
    /// <summary>Pushes <paramref name="file"/> as a version of <paramref name="request"/>'s model.</summary>
    /// <exception cref="ModelRegistryException">The version asked for holds other bytes, or a name is not valid; nothing was changed.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public async Task<ModelPushResult> PushAsync(string file, ModelPushRequest request, CancellationToken cancellationToken = default)
    {
        var bytes = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        var (signature, failure) = OnnxInspector.Inspect(bytes);
        var draft = new ModelVersionRecord(
            request.Model, request.Version ?? "", sha256, bytes.LongLength, signature ?? ModelSignature.Empty,
            request.Description, request.Labels ?? [], request.Lineage ?? ModelLineage.None,
            request.Metrics ?? new Dictionary<string, double>(), request.CreatedBy, default,
            failure is null ? ModelStatus.Ready : ModelStatus.Failed, failure, "");
        var pushed = await registry.PushAsync(draft, pending => artifacts.WriteAsync(file, pending, cancellationToken)).ConfigureAwait(false);
        if (!pushed.Created && pushed.Record.Status == ModelStatus.Ready && !pushed.Record.IsRetired)
        {
            // The same bytes again still put the file back into a store that lost it (a new data folder on the
            // same Redis); the write checks a file already there and leaves it.
            await artifacts.WriteAsync(file, pushed.Record, cancellationToken).ConfigureAwait(false);
        }
        return pushed;
    }
}
