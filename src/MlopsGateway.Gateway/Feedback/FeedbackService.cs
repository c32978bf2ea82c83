using System.Globalization;
using Grpc.Core;
using MlopsGateway.Contracts.Feedback;
using MlopsGateway.Gateway.Auth;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Feedback;
using MlopsGateway.Registry.Models;
using StackExchange.Redis;
using FeedbackBase = MlopsGateway.Contracts.Feedback.Feedback.FeedbackBase;

namespace MlopsGateway.Gateway.Feedback;

/// <summary>
/// <c>mlops.v1.Feedback</c> on the gateway's own listener: labels for recorded predictions, from
/// callers authenticated as for inference (API key or JWT) whose scopes hold <c>feedback</c> and who
/// may call the model, within their feedback quota; each label judged by <see cref="FeedbackStore"/>.
/// </summary>
internal sealed class FeedbackService(AuthenticationStep authentication, AuthRefusal refusal, FeedbackQuota quota, FeedbackStore store) : FeedbackBase
{
    /// <summary>The most labels one SubmitBatch takes.</summary>
    public const int MaxBatch = 1000;

    public override async Task<SubmitResponse> Submit(SubmitRequest request, ServerCallContext context)
    {
        var caller = await CallerAsync(context, nameof(Submit)).ConfigureAwait(false);
        var (code, message, version) = await JudgeAsync(caller, request).ConfigureAwait(false);
        if (code != StatusCode.OK)
        {
            if (code == StatusCode.ResourceExhausted)
            {
                context.ResponseTrailers.Add(GatewayHeaders.RetryPushback, RetryPushbackMs);
            }
            throw new RpcException(new Status(code, message));
        }
        return new SubmitResponse { Model = request.Model, Id = request.Id, Version = version };
    }

    public override async Task<SubmitBatchResponse> SubmitBatch(SubmitBatchRequest request, ServerCallContext context)
    {
        var caller = await CallerAsync(context, nameof(SubmitBatch)).ConfigureAwait(false);
        if (request.Labels.Count > MaxBatch)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"A batch holds at most {MaxBatch} labels, not {request.Labels.Count}: send them in several."));
        }
        var response = new SubmitBatchResponse();
        foreach (var label in request.Labels)
        {
            var (code, message, _) = await JudgeAsync(caller, label).ConfigureAwait(false);
            response.Results.Add(new SubmitResult { Id = label.Id, Code = (int)code, Message = message });
        }
        return response;
    }

    private string RetryPushbackMs => ((int)Math.Ceiling(1000 / quota.Rate)).ToString(CultureInfo.InvariantCulture);

    /// <summary>The caller, who must hold the <c>feedback</c> scope; otherwise the refusal is thrown.</summary>
    private async Task<CallerIdentity> CallerAsync(ServerCallContext context, string method)
    {
        var (caller, refused) = await authentication.IdentifyAsync(context.GetHttpContext().Request.Headers).ConfigureAwait(false);
        if (caller is null)
        {
            throw refusal.Refuse(method, StatusCode.Unauthenticated, refused!);
        }
        if (!caller.HasScope(KeyScopes.Feedback))
        {
            throw refusal.Refuse(method, StatusCode.PermissionDenied, caller.LacksScope(KeyScopes.Feedback, "sending labels"));
        }
        return caller;
    }

    /// <summary>What Submit answers for <paramref name="label"/>: a status, its message, and the version labelled when stored.</summary>
    private async Task<(StatusCode Code, string Message, string Version)> JudgeAsync(CallerIdentity caller, SubmitRequest label)
    {
        if (ModelNames.CheckModel(label.Model) is { } badModel)
        {
            return (StatusCode.InvalidArgument, badModel, "");
        }
        if (!caller.Allows(label.Model))
        {
            return (StatusCode.PermissionDenied, $"{caller.Label} may not call model '{label.Model}', nor label its predictions.", "");
        }
        if (label.Id.Length is 0 or > FeedbackStore.MaxIdLength || label.Label.Length is 0 or > 256)
        {
            return (StatusCode.InvalidArgument,
                $"A label needs the prediction's id (1 to {FeedbackStore.MaxIdLength} characters, the answer's 'id') and the label (a class name or index, or a number, at most 256 characters).", "");
        }
        if (!quota.TryTake(caller.Id))
        {
            return (StatusCode.ResourceExhausted, string.Create(CultureInfo.InvariantCulture,
                $"{caller.Label} is over its feedback quota of {quota.Rate} labels per second; send the rest more slowly."), "");
        }
        try
        {
            var outcome = await store.SubmitLabelAsync(label.Model, label.Id, label.Label, caller.Id).ConfigureAwait(false);
            return outcome.Result switch
            {
                LabelResult.Accepted => (StatusCode.OK, "", outcome.Label!.Version),
                LabelResult.AlreadyLabelled => (StatusCode.AlreadyExists, outcome.Message, ""),
                LabelResult.UnknownId => (StatusCode.NotFound, outcome.Message, ""),
                _ => (StatusCode.InvalidArgument, outcome.Message, ""),
            };
        }
        catch (FeedbackRecordException ex)
        {
            return (StatusCode.DataLoss, ex.Message, "");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return (StatusCode.Unavailable, "The label could not be stored: Redis did not answer. Send it again.", "");
        }
    }
}
