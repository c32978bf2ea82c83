using BenchmarkDotNet.Attributes;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Inference;
using MlopsGateway.Contracts;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Batching;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Predictions;
using MlopsGateway.Worker.Serving;

namespace MlopsGateway.Benchmarks;

/// <summary>
/// What prediction records add to one propensity request on the worker's request path (issue 23):
/// the id (the gateway's call id from the headers, or a new UUIDv7) and <see cref="PredictionRecorder.Record"/>
/// over the real model's answer (class and probabilities read back, its line added to the batch). The
/// batch is taken in the benchmark as the writer would, so it never fills.
/// </summary>
public class PredictionRecorderBenchmarks
{
    private PropensityRepository _repository = null!;
    private ModelVersion _model = null!;
    private ModelInferResponse _response = null!;
    private PredictionRecorder _recorder = null!;
    private WorkerMetrics _metrics = null!;
    private BenchCallContext _withCallId = null!;
    private BenchCallContext _withoutCallId = null!;

    [Params(false, true)]
    public bool Raw { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _repository = new PropensityRepository();
        _model = _repository.Model;
        var request = MlopsGateway.Benchmarks.Requests.Propensity(1, Raw);
        var (inputs, outputs) = InferRequestValidator.Validate(request, _model.Label, _model.Inputs, _model.Outputs);
        _response = BatchRunner.Run(_model, [new InferItem(inputs, outputs, Raw, "", 1, 0)])[0];
        _metrics = new WorkerMetrics();
        _recorder = new PredictionRecorder(new PredictionRecordOptions(), new PredictionMetrics(_metrics), TimeProvider.System);
        _withCallId = new BenchCallContext([new Metadata.Entry(WorkerHeaders.CallId, "0193a7c1d2e34f5a8b9c0d1e2f3a4b5c")]);
        _withoutCallId = new BenchCallContext([]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _metrics.Dispose();
        _repository.Dispose();
    }

    /// <summary>The id of a call the gateway forwarded: its call id header.</summary>
    [Benchmark]
    public string IdFromCallId() => PredictionRecorder.IdFor(_withCallId);

    /// <summary>The id of a call that came without one: a new UUIDv7.</summary>
    [Benchmark]
    public string IdNew() => PredictionRecorder.IdFor(_withoutCallId);

    /// <summary>Recording one answer (read, its line added) and the writer's take of it.</summary>
    [Benchmark(Baseline = true)]
    public int Record()
    {
        _recorder.Record(_model, _response, "0193a7c1d2e34f5a8b9c0d1e2f3a4b5c", _withCallId);
        var taken = _recorder.Take();
        var count = taken.Count;
        _recorder.Return(taken);
        return count;
    }

    /// <summary>A call context with only request headers, enough for what the recorder reads: in an HTTP context, as a served call's are.</summary>
    private sealed class BenchCallContext : ServerCallContext
    {
        private readonly Metadata _headers;

        public BenchCallContext(Metadata.Entry[] headers)
        {
            _headers = Headers(headers);
            var http = new DefaultHttpContext();
            foreach (var header in headers)
            {
                http.Request.Headers[header.Key] = header.Value;
            }
            // Where GetHttpContext looks for a call's HTTP context when the call is not ASP.NET Core's own.
            UserState["__HttpContext"] = http;
        }

        protected override string MethodCore => "/inference.GRPCInferenceService/ModelInfer";

        protected override string HostCore => "localhost";

        protected override string PeerCore => "ipv4:127.0.0.1:1";

        protected override DateTime DeadlineCore => DateTime.MaxValue;

        protected override Metadata RequestHeadersCore => _headers;

        protected override CancellationToken CancellationTokenCore => CancellationToken.None;

        protected override Metadata ResponseTrailersCore { get; } = [];

        protected override Status StatusCore { get; set; }

        protected override WriteOptions? WriteOptionsCore { get; set; }

        protected override AuthContext AuthContextCore => throw new NotSupportedException();

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;

        private static Metadata Headers(Metadata.Entry[] entries)
        {
            var metadata = new Metadata();
            foreach (var entry in entries)
            {
                metadata.Add(entry);
            }
            return metadata;
        }
    }
}
