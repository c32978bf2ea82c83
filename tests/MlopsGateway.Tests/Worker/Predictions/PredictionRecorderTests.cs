using System.Diagnostics.Metrics;
using MlopsGateway.Registry.Feedback;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Predictions;

namespace MlopsGateway.Tests.Worker.Predictions;

/// <summary>The request path's side of prediction records: a full batch drops and counts, and never waits.</summary>
public sealed class PredictionRecorderTests
{
    [Fact]
    public void Enqueue_QueueFull_DroppedAndCountedWithoutWaiting()
    {
        using var metrics = new WorkerMetrics();
        var dropped = new List<long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter) && instrument.Name == "mlops.worker.prediction.records")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "outcome", Value: "dropped" })
                {
                    dropped.Add(value);
                }
            }
        });
        listener.Start();
        // No writer takes it: the batch stays full.
        var recorder = new PredictionRecorder(new PredictionRecordOptions { QueueCapacity = 2 }, new PredictionMetrics(metrics), TimeProvider.System);
        PredictionRecord[] Rows(int n) => [.. Enumerable.Range(0, n).Select(i => new PredictionRecord("propensity", $"r{i}", "1", DateTimeOffset.UnixEpoch, 1))];

        var queued = new[] { recorder.Enqueue("propensity", Rows(1)), recorder.Enqueue("propensity", Rows(1)) };
        // Enqueue is synchronous: a call that returns at all did not wait for room.
        var third = recorder.Enqueue("propensity", Rows(3));

        Assert.Equal([true, true], queued);
        Assert.False(third);
        Assert.Equal([3L], dropped);
        // The two that fitted are in the batch the writer takes, read back as they were recorded.
        var taken = recorder.Take();
        Assert.Equal(["r0", "r0"], taken.Records().Select(r => r.Id));
        Assert.Equal(0, recorder.Take().Count);
    }

    [Fact]
    public void Off_RecordsNothing()
    {
        Assert.False(PredictionRecorder.Off.Enabled);
        Assert.False(PredictionRecorder.Off.Enqueue("propensity", [new PredictionRecord("propensity", "a", "1", DateTimeOffset.UnixEpoch, 1)]));
    }
}
