using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using MlopsGateway.Contracts.Explanations;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Models;
using MlopsGateway.Worker.Batching;
using MlopsGateway.Worker.Draining;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Serving;

namespace MlopsGateway.Worker.Explanations;

/// <summary>
/// mlops.v1.Explain at the worker: reads the row and the version's baseline, picks the output and
/// class, and has <see cref="ShapleyEngine"/> compute the attributions over rows run by
/// <see cref="BatchedEvaluator"/> through the version's batcher. Behind the worker's door
/// (<see cref="Access.WorkerAccessMiddleware"/>) like inference: only gateways with the worker secret call it.
/// </summary>
internal sealed class ExplainService(
    ModelRepository repository, ExplainBaselines baselines, WorkerDrain drain, TimeProvider time, ILogger<ExplainService> logger)
    : Explain.ExplainBase
{
    public override async Task<ExplainResponse> Explain(ExplainRequest request, ServerCallContext context)
    {
        var started = time.GetTimestamp();
        if (drain.Draining)
        {
            InferenceService.MarkDraining(context);
        }
        ExplainInputs.CheckNumbers(request);
        var model = InferenceService.Resolve(repository, request.ModelName, request.ModelVersion);
        var input = ExplainInputs.TabularInput(model);
        var baseline = await BaselineAsync(model).ConfigureAwait(false);
        var row = ExplainInputs.Row(request, model, input, baseline);
        var (output, columns) = ExplainInputs.Output(request, model);
        var exact = Method(request, model, row.Length);
        var random = new Random(unchecked((int)request.Seed ^ (int)(request.Seed >> 32)));
        var background = ExplainInputs.Background(baseline, request.BackgroundSize, random);
        var samples = request.Samples == 0 ? ExplainInputs.DefaultSamples : request.Samples;
        CheckBudget(model, row.Length, background.Length, exact, samples);
        DateTimeOffset? deadline = context.Deadline == DateTime.MaxValue ? null : new DateTimeOffset(context.Deadline.ToUniversalTime());
        var evaluator = new BatchedEvaluator(model, input, output, time, deadline);
        try
        {
            var scores = await evaluator.RunRowAsync(row, context.CancellationToken).ConfigureAwait(false);
            var classes = ExplainInputs.Classes(model, baseline, columns);
            var target = ExplainInputs.Class(request, model, output, scores, classes);
            var result = await ShapleyEngine.ExplainAsync(row, background, exact, samples, random,
                (rows, token) => evaluator.EvaluateAsync(rows, Math.Max(target, 0), columns, token), context.CancellationToken).ConfigureAwait(false);
            var response = Answer(request, model, baseline, row, output, target, classes, background.Length, result);
            ExplainLog.Explained(logger, model.Name, model.Version, response.Method.ToString(), response.Evaluations, evaluator.Requests,
                (long)time.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, model, deadline, context.CancellationToken);
        }
    }

    private async Task<BaselineProfile> BaselineAsync(ModelVersion model)
    {
        if (baselines.Read is not { } read)
        {
            throw ExplainInputs.Refused(StatusCode.FailedPrecondition,
                "This worker reads no baselines, so it has no background to explain against: start it with --redis (the registry's Redis, where baselines live).");
        }
        BaselineProfile? baseline;
        try
        {
            baseline = await read(model.Name, model.Version).ConfigureAwait(false);
        }
        catch (ModelRegistryException ex)
        {
            ExplainLog.BaselineUnusable(logger, model.Name, model.Version, ex.Message);
            throw ExplainInputs.Refused(StatusCode.FailedPrecondition, $"{model.Label}'s baseline cannot be used: {ex.Message} Push a new one (mlops monitor baseline set).");
        }
        catch (StackExchange.Redis.RedisException ex)
        {
            throw ExplainInputs.Refused(StatusCode.Unavailable, $"{model.Label}'s baseline could not be read from Redis ({ex.GetType().Name}); the explanation did not run, retry.");
        }
        if (baseline is null)
        {
            throw ExplainInputs.Refused(StatusCode.FailedPrecondition,
                $"{model.Label} has no baseline, so there is no background to explain against: push the model with --baseline FILE (mlops model push) or capture one from traffic (mlops monitor baseline capture).");
        }
        if (baseline.Sample.Count == 0)
        {
            throw ExplainInputs.Refused(StatusCode.FailedPrecondition,
                $"{model.Label}'s baseline keeps no sample rows, so there is no background to explain against: make it again with a current mlops (its sample is kept since explanations came).");
        }
        if (baseline.Input != model.Inputs[0].Name || baseline.Features.Count != model.Inputs[0].Shape[1])
        {
            throw ExplainInputs.Refused(StatusCode.FailedPrecondition,
                $"{model.Label}'s baseline describes input '{baseline.Input}' with {baseline.Features.Count} features, but the model takes {model.Inputs[0].Name} ({model.Inputs[0].ShapeText}): push a baseline made for this version.");
        }
        return baseline;
    }

    private static bool Method(ExplainRequest request, ModelVersion model, int features)
    {
        if (request.Method == ExplainMethod.Exact && features > ShapleyEngine.ExactLimit)
        {
            throw ExplainInputs.Invalid($"{model.Label} has {features} features: exact Shapley values (2^{features} coalitions) are computed for at most {ShapleyEngine.ExactLimit}; ask for KERNEL or AUTO.");
        }
        return request.Method switch
        {
            ExplainMethod.Exact => true,
            ExplainMethod.Kernel => false,
            _ => features <= ShapleyEngine.AutoExactLimit,
        };
    }

    private static void CheckBudget(ModelVersion model, int features, int background, bool exact, int samples)
    {
        var coalitions = exact ? (1L << features) - 2 : Math.Min(samples, features >= 62 ? long.MaxValue : (1L << features) - 2);
        var rows = 2 + background + (coalitions * background);
        if (rows > ExplainInputs.MaxEvaluations)
        {
            throw ExplainInputs.Invalid(
                $"Explaining {model.Label} this way runs {rows} rows ({coalitions} coalitions times {background} background rows); a worker runs at most {ExplainInputs.MaxEvaluations} for one explanation: ask for a smaller background_size{(exact ? " or the KERNEL method" : " or fewer samples")}.");
        }
    }

    private static ExplainResponse Answer(
        ExplainRequest request, ModelVersion model, BaselineProfile baseline, float[] row, string output, int target,
        IReadOnlyList<string> classes, int backgroundRows, ShapleyResult result)
    {
        var response = new ExplainResponse
        {
            ModelName = model.Name,
            ModelVersion = model.Version,
            Id = request.Id,
            Output = output,
            TargetClass = target < 0 ? "" : target < classes.Count ? classes[target] : target.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Value = result.Value,
            BaseValue = result.BaseValue,
            Method = result.Exact ? ExplainMethod.Exact : ExplainMethod.Kernel,
            BackgroundRows = backgroundRows,
            Coalitions = result.Coalitions,
            // The row ran once more on its own first, to find the predicted class.
            Evaluations = result.Evaluations + 1,
        };
        for (var i = 0; i < row.Length; i++)
        {
            response.Attributions.Add(new FeatureAttribution { Name = baseline.Features[i].Name, Value = row[i], Attribution = result.Attributions[i] });
        }
        return response;
    }

    private RpcException Translate(Exception ex, ModelVersion model, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        switch (ex)
        {
            case QueueFullException:
                return ExplainInputs.Refused(StatusCode.ResourceExhausted, $"{ex.Message} The explanation stopped part way; retry later.");
            case QueueDeadlineExceededException:
                return ExplainInputs.Refused(StatusCode.DeadlineExceeded, $"{model.Label}: the deadline passed before the explanation's rows had run; give it more time or a smaller background_size.");
            case BatcherClosedException:
                return ExplainInputs.Refused(StatusCode.Unavailable, ex.Message);
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                var expired = deadline is { } d && time.GetUtcNow() >= d;
                return ExplainInputs.Refused(expired ? StatusCode.DeadlineExceeded : StatusCode.Cancelled,
                    expired ? $"{model.Label}: the deadline passed before the explanation's rows had run." : $"{model.Label}: the caller cancelled the explanation.");
            case OnnxRuntimeException or InvalidOperationException:
                ExplainLog.Failed(logger, model.Name, model.Version, ex);
                return ExplainInputs.Refused(StatusCode.Internal, $"{model.Label} failed to run the explanation's rows: {ex.Message}");
            default:
                ExplainLog.Failed(logger, model.Name, model.Version, ex);
                return ExplainInputs.Refused(StatusCode.Internal, $"{model.Label}: the explanation failed ({ex.GetType().Name}).");
        }
    }
}
