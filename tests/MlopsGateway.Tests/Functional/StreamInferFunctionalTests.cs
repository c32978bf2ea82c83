using System.Globalization;
using Grpc.Core;
using Inference;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Functional;

/// <summary>Triton's ModelStreamInfer on a real worker (the gateway's shadow streams use it: ShadowStreamFunctionalTests).</summary>
public sealed class StreamInferFunctionalTests(StackFixture stack) : FunctionalTest(stack.Logs), IClassFixture<StackFixture>
{
    /// <summary>One propensity row carrying <paramref name="i"/> as its request id.</summary>
    internal static ModelInferRequest Row(int i, string version = "1")
    {
        var request = TestRequests.Propensity("propensity", [[i % 7, 12.5f, i % 3, 14, 4]], version: version);
        request.Id = i.ToString(CultureInfo.InvariantCulture);
        return request;
    }

    [Fact]
    public async Task ModelStreamInfer_OneBadRequestAmongMany_EachAnsweredByIdStreamGoesOn()
    {
        var client = TestSecrets.WorkerClient(stack.WorkerAddress);
        var requests = Enumerable.Range(0, 60).Select(i => Row(i)).ToList();
        requests[20].Inputs[0].Shape[1] = 4;                // 5 values, shape [1, 4]: invalid
        requests[40].ModelVersion = "99";                    // no such version

        using var call = client.ModelStreamInfer();
        foreach (var request in requests)
        {
            await call.RequestStream.WriteAsync(request);
        }
        await call.RequestStream.CompleteAsync();
        var answers = new Dictionary<string, ModelStreamInferResponse>();
        await foreach (var answer in call.ResponseStream.ReadAllAsync())
        {
            answers.Add(answer.InferResponse.Id, answer);
        }

        Assert.Equal(60, answers.Count);
        Assert.StartsWith("InvalidArgument: ", answers["20"].ErrorMessage);
        Assert.StartsWith("NotFound: Model 'propensity' has no version '99'", answers["40"].ErrorMessage);
        foreach (var i in Enumerable.Range(0, 60).Where(i => i is not 20 and not 40))
        {
            var alone = await client.ModelInferAsync(Row(i));
            Assert.Equal("", answers[i.ToString(CultureInfo.InvariantCulture)].ErrorMessage);
            Assert.Equal(alone.Outputs, answers[i.ToString(CultureInfo.InvariantCulture)].InferResponse.Outputs);
        }
    }

    [Fact]
    public async Task ModelStreamInfer_ThroughTheGateway_UnimplementedNamingTheWorkers()
    {
        using var call = StackFixture.Client(stack.GatewayAddress).ModelStreamInfer(StackFixture.WithKey(stack.AllModelsKey));
        await call.RequestStream.WriteAsync(Row(1)).ContinueWith(_ => { }, TaskScheduler.Default);

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        Assert.Contains("ModelStreamInfer streams are not routed: both are served by each worker directly", ex.Status.Detail);
    }
}
