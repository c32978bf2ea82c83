using System.Globalization;
using Google.Protobuf;
using Inference;

namespace MlopsGateway.Gateway.Shadow;

/// <summary>
/// Turns the copies a stream claimed in one go into the messages it sends: copies of one model
/// version that differ only in their rows merged (<see cref="ShadowBatch"/>), up to
/// <see cref="ShadowBatch.MaxRows"/> rows and <see cref="ShadowBatch.MaxBytes"/> a message; the rest,
/// and every copy when merging is off, as they came.
/// </summary>
internal sealed class ShadowMerger(bool merges, ShadowMergeLearning learning)
{
    private long _merged;

    /// <summary>The messages for <paramref name="claimed"/>, each with what waits for its answer, sent on <paramref name="call"/>.</summary>
    public IEnumerable<(string Id, ShadowPending Pending, byte[] Message)> Messages(List<ShadowPending> claimed, ShadowCall call)
    {
        Dictionary<ByteString, List<(ShadowPending Pending, ModelInferRequest Request, long Rows)>>? groups = null;
        foreach (var pending in claimed)
        {
            var work = pending.Works[0];
            ModelInferRequest? request = null;
            ByteString? key = null;
            long rows = 0;
            if (merges && !work.Alone && claimed.Count > 1)
            {
                try
                {
                    request = ModelInferRequest.Parser.ParseFrom(work.Message);
                    key = ShadowBatch.MergeKey(request, out rows);
                }
                catch (InvalidProtocolBufferException)
                {
                    // Sent alone: the worker names what is wrong with it.
                }
            }
            if (key is null || rows > ShadowBatch.MaxRows || !learning.Allows(key))
            {
                yield return (work.Id, pending with { Call = call }, work.Message);
                continue;
            }
            groups ??= [];
            if (!groups.TryGetValue(key, out var group))
            {
                groups[key] = group = [];
            }
            group.Add((pending, request!, rows));
        }
        foreach (var (key, group) in groups ?? [])
        {
            for (var start = 0; start < group.Count;)
            {
                var end = start;
                long rows = 0;
                long bytes = 0;
                while (end < group.Count && rows + group[end].Rows <= ShadowBatch.MaxRows
                    && (end == start || bytes + group[end].Pending.Works[0].Message.Length <= ShadowBatch.MaxBytes))
                {
                    bytes += group[end].Pending.Works[0].Message.Length;
                    rows += group[end++].Rows;
                }
                if (end - start == 1)
                {
                    var work = group[start].Pending.Works[0];
                    yield return (work.Id, group[start].Pending with { Call = call }, work.Message);
                }
                else
                {
                    var part = group.GetRange(start, end - start);
                    var id = "mlops-shadow-batch-" + (++_merged).ToString(CultureInfo.InvariantCulture);
                    var pending = new ShadowPending(
                        [.. part.Select(p => p.Pending.Works[0])], part.Min(p => p.Pending.At), call, [.. part.Select(p => p.Rows)], key);
                    yield return (id, pending, ShadowBatch.Merge([.. part.Select(p => p.Request)], id).ToByteArray());
                }
                start = end;
            }
        }
    }
}
