using MlopsGateway.Registry.Artifacts;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Models;

namespace MlopsGateway.Worker.Publishing;

/// <summary>
/// A push from start to end: hashes the ONNX file, has ONNX Runtime load it and read its signature,
/// then records it in the registry and copies it into the artefact store. A file ONNX Runtime cannot
/// load is recorded <see cref="ModelStatus.Failed"/> with the reason, and not copied. With training
/// data (<see cref="ModelPushRequest.Baseline"/>) the version's baseline profile is made first (a
/// refusal changes nothing) and stored with the version once it is recorded.
/// </summary>
/// <param name="registry">The registry to record versions in.</param>
/// <param name="artifacts">The artefact store to copy files into.</param>
/// <param name="baselines">Where baselines are stored; needed only by pushes with training data.</param>
public sealed class ModelPublisher(ModelRegistry registry, ArtifactDirectory artifacts, BaselineStore? baselines = null)
{
    /// <summary>Pushes <paramref name="file"/> as a version of <paramref name="request"/>'s model.</summary>
    /// <exception cref="ModelRegistryException">The version asked for holds other bytes, a name is not valid, or the baseline cannot be made from the training data; nothing was changed.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="InvalidOperationException">The request has training data but this publisher has no baseline store.</exception>
    public async Task<ModelPushResult> PushAsync(string file, ModelPushRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Baseline is not null && baselines is null)
        {
            throw new InvalidOperationException("A push with a baseline needs a publisher made with a BaselineStore.");
        }
        var bytes = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        var (signature, failure) = OnnxInspector.Inspect(bytes);
        // A file ONNX Runtime cannot load is recorded FAILED; it has no predictions to profile, and no baseline.
        var baseline = request.Baseline is { } data && signature is not null
            ? BaselineMaker.Make(request.Model, file, bytes, signature, data)
            : ((BaselineProfile, string?)?)null;
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
        if (baseline is not ({ } made, var skipped) || pushed.Record.Status != ModelStatus.Ready)
        {
            return pushed;
        }
        var profile = made with { Version = pushed.Record.Version, CreatedAt = pushed.Record.CreatedAt };
        await baselines!.SetAsync(profile).ConfigureAwait(false);
        return pushed with { Baseline = profile, PredictionSkipped = skipped };
    }
}
