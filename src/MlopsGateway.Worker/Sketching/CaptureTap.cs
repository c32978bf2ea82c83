using System.Collections.Concurrent;
using MlopsGateway.Monitoring.Sketches;
using MlopsGateway.Registry.Drift;

namespace MlopsGateway.Worker.Sketching;

/// <summary>
/// Copies a version's first live rows (and their predictions) for an open <see cref="CaptureRequest"/>
/// until as many as it asks for are stored or queued; <see cref="SketchService"/> writes the queue to Redis.
/// </summary>
internal sealed class CaptureTap(CaptureRequest request)
{
    private readonly ConcurrentQueue<CapturedRow> _queue = new();
    private int _room = request.Rows;

    /// <summary>The request this tap serves.</summary>
    public CaptureRequest Request { get; } = request;

    /// <summary>Copies as many of the batch's rows as the capture still wants.</summary>
    public void Offer(ReadOnlySpan<float> values, int rows, int features, BatchPredictions predictions)
    {
        int room, take;
        do
        {
            room = Volatile.Read(ref _room);
            if (room <= 0)
            {
                return;
            }
            take = Math.Min(room, rows);
        }
        while (Interlocked.CompareExchange(ref _room, room - take, room) != room);
        for (var r = 0; r < take; r++)
        {
            _queue.Enqueue(new CapturedRow(values.Slice(r * features, features).ToArray(), predictions.At(r)));
        }
    }

    /// <summary>The rows copied since the last drain.</summary>
    public List<CapturedRow> Drain()
    {
        var rows = new List<CapturedRow>(_queue.Count);
        while (_queue.TryDequeue(out var row))
        {
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Redis holds <paramref name="stored"/> rows now (from every worker): the room left is the rest, less what is queued.</summary>
    public void Stored(long stored) => Volatile.Write(ref _room, (int)Math.Max(0, Request.Rows - stored - _queue.Count));

    /// <summary>Whether Redis holds every row asked for.</summary>
    public bool IsFull(long stored) => stored >= Request.Rows;
}
