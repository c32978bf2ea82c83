using System.Globalization;
using Grpc.Core;
using MlopsGateway.Contracts.Feedback;

namespace MlopsGateway.Cli;

/// <summary>
/// Sends labels in batches (<c>SubmitBatch</c>), sends again after a pause those refused over the
/// caller's quota, and counts what became of each; progress goes to <c>progress</c> when given.
/// </summary>
internal sealed class FeedbackSender(Feedback.FeedbackClient client, Metadata headers, TimeSpan timeout, TextWriter? progress,
    int batchSize = Commands.FeedbackCommand.BatchSize, int quotaRetries = Commands.FeedbackCommand.QuotaRetries)
{
    /// <exception cref="RpcException">A call failed as a whole (not authenticated, no feedback scope, the gateway unreachable).</exception>
    public async Task<FeedbackSummary> SendAsync(string model, IReadOnlyList<(string Id, string Label)> labels, CancellationToken cancellationToken)
    {
        var summary = new FeedbackSummary();
        var sent = 0;
        foreach (var chunk in labels.Chunk(batchSize))
        {
            var pending = chunk.ToList();
            for (var attempt = 0; pending.Count > 0; attempt++)
            {
                var request = new SubmitBatchRequest();
                request.Labels.Add(pending.Select(l => new SubmitRequest { Model = model, Id = l.Id, Label = l.Label }));
                var response = await client.SubmitBatchAsync(request, headers, DateTime.UtcNow + timeout, cancellationToken).ConfigureAwait(false);
                var overQuota = new List<(string, string)>();
                for (var i = 0; i < response.Results.Count; i++)
                {
                    var result = response.Results[i];
                    if ((StatusCode)result.Code == StatusCode.ResourceExhausted && attempt < quotaRetries)
                    {
                        overQuota.Add(pending[i]);
                    }
                    else
                    {
                        summary.Add(result);
                    }
                }
                pending = overQuota;
                if (pending.Count > 0)
                {
                    // The quota refills each second; a second's wait lets a rate's worth through.
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                }
            }
            sent += chunk.Length;
            if (progress is not null)
            {
                await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{sent} of {labels.Count} labels sent")).ConfigureAwait(false);
            }
        }
        return summary;
    }
}
