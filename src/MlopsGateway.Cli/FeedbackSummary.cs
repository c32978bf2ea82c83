using System.Globalization;
using Grpc.Core;
using MlopsGateway.Contracts.Feedback;

namespace MlopsGateway.Cli;

/// <summary>What became of a run of labels: counts by outcome, and the refusals' reasons.</summary>
internal sealed class FeedbackSummary
{
    /// <summary>Most refusals listed one by one; the rest are counted.</summary>
    public const int ListedRefusals = 20;

    private readonly List<string> _refusals = [];

    public int Accepted { get; private set; }

    public int AlreadyLabelled { get; private set; }

    public int UnknownId { get; private set; }

    /// <summary>Every label not stored: already labelled, unknown ids and the other refusals.</summary>
    public int Refused { get; private set; }

    public void Add(SubmitResult result)
    {
        var code = (StatusCode)result.Code;
        if (code == StatusCode.OK)
        {
            Accepted++;
            return;
        }
        Refused++;
        if (code == StatusCode.AlreadyExists)
        {
            AlreadyLabelled++;
        }
        else if (code == StatusCode.NotFound)
        {
            UnknownId++;
        }
        if (_refusals.Count < ListedRefusals)
        {
            _refusals.Add($"  {result.Id}: {code}: {result.Message}");
        }
    }

    public async Task WriteAsync(TextWriter output, int total)
    {
        var other = Refused - AlreadyLabelled - UnknownId;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{total} labels: {Accepted} accepted, {AlreadyLabelled} already labelled, {UnknownId} unknown id, {other} refused")).ConfigureAwait(false);
        foreach (var refusal in _refusals)
        {
            await output.WriteLineAsync(refusal).ConfigureAwait(false);
        }
        if (Refused > _refusals.Count)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  ... and {Refused - _refusals.Count} more refusals")).ConfigureAwait(false);
        }
    }
}
