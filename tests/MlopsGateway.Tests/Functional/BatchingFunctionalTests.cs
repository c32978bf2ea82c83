using System.Globalization;
using System.Text.Json.Nodes;
using Grpc.Core;
using Inference;
using Microsoft.ML.OnnxRuntime;
using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Contracts;
using MlopsGateway.Monitoring;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Tests.Functional;

/// <summary>Many concurrent requests through the real gateway and worker: each gets its own answer.</summary>
public sealed class BatchingFunctionalTests(StackFixture stack) : FunctionalTest(stack.Logs), IClassFixture<StackFixture>
{
    private static ModelInferRequest Row(float[] features, string id)
    {
        var request = TestRequests.Propensity("propensity", [features], version: "1");
        request.Id = id;
        return request;
    }

    [Fact]
    public async Task ModelInfer_500ConcurrentDistinctRows_EachEqualsThatRowRunAlone()
    {
        const int count = 500;
        var random = new Random(1234);
        var rows = Enumerable.Range(0, count)
            .Select(_ => Enumerable.Range(0, 5).Select(_ => (float)Math.Round(random.NextDouble() * 40 - 10, 3)).ToArray())
            .ToArray();
        var client = StackFixture.Client(stack.GatewayAddress);
        var headers = StackFixture.WithKey(stack.AllModelsKey);
        // A queue delay: requests arriving within 2 ms of each other run together. Without one the
        // batcher runs what is queued as soon as it is free, so whether these requests are merged
        // depends on whether the worker keeps up with their arrival (once in CI it ran all 500 alone).
        var configPath = Path.Combine(stack.Repository, "propensity", "1", ModelConfig.FileName);
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["max_queue_delay_us"] = 2_000;
        File.WriteAllText(configPath, config.ToJsonString());
        await TestSecrets.WorkerClient(ServerEndpoints.GrpcAddress(stack.Worker), WorkerHeaders.AdminSecret, TestSecrets.Admin)
            .RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "propensity" });
        Assert.True(stack.Worker.Services.GetRequiredService<ModelRepository>().TryResolve("propensity", "1", out var version1));
        var (runsBefore, rowsBefore) = (version1!.Batcher.Runs, version1.Batcher.RowsRun);

        var answers = await Task.WhenAll(rows.Select((row, i) =>
            client.ModelInferAsync(Row(row, i.ToString(CultureInfo.InvariantCulture)), headers).ResponseAsync));

        // The reference: every row alone, in process, through the same model file.
        using var session = new InferenceSession(Path.Combine(stack.Repository, "propensity", "1", ModelRepository.ModelFileName));
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), answers[i].Id);
            using var input = OrtValue.CreateTensorValueFromMemory(rows[i], [1, 5]);
            using var results = session.Run(new RunOptions(), ["features"], [input], ["probabilities", "label"]);
            Assert.Equal(results[0].GetTensorDataAsSpan<float>().ToArray(), answers[i].Outputs[0].Contents.Fp32Contents);
            Assert.Equal(results[1].GetTensorDataAsSpan<long>()[0], answers[i].Outputs[1].Contents.Int64Contents[0]);
        }

        // Under that concurrency, the worker merged requests: more rows than runs. (Read from the
        // batcher: OpenTelemetry 1.20 stops exporting a meter name in a process once another
        // instance of it is disposed, and test fixtures start and stop several workers.)
        var runs = version1.Batcher.Runs - runsBefore;
        Assert.Equal(count, version1.Batcher.RowsRun - rowsBefore);
        Assert.True(runs < count, $"{count} requests ran in {runs} runs: no batching happened.");
    }

    [Fact]
    public async Task ModelInfer_RowsDisagreeBetweenInputs_InvalidArgumentBeforeBatching()
    {
        var request = new ModelInferRequest { ModelName = "dtypes" };
        TestRequests.AddInput(request, "x_fp32", "FP32", [2, 3], c => c.Fp32Contents.Add(new float[6]));
        TestRequests.AddInput(request, "x_fp64", "FP64", [1, 2], c => c.Fp64Contents.Add(new double[2]));
        TestRequests.AddInput(request, "x_i32", "INT32", [2], c => c.IntContents.Add(new int[2]));
        TestRequests.AddInput(request, "x_i64", "INT64", [2, 2], c => c.Int64Contents.Add(new long[4]));
        TestRequests.AddInput(request, "x_bool", "BOOL", [2], c => c.BoolContents.Add(new bool[2]));

        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            StackFixture.Client(stack.GatewayAddress).ModelInferAsync(request, StackFixture.WithKey(stack.AllModelsKey)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("inputs disagree on the batch dimension: 'x_fp32' has 2 rows, 'x_fp64' has 1", ex.Status.Detail);
    }

    [Fact]
    public async Task ModelMetadata_Parameters_NameProviderAndBatchLimit()
    {
        var metadata = await TestSecrets.WorkerClient(stack.WorkerAddress).ModelMetadataAsync(new ModelMetadataRequest { Name = "propensity" });
        Assert.Equal("CPUExecutionProvider", metadata.Parameters["execution_provider"].StringParam);
        Assert.Equal(32, metadata.Parameters["max_batch_size"].Int64Param);
    }
}
