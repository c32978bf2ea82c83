using Google.Protobuf;
using Inference;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Routing;

namespace MlopsGateway.Tests.Gateway.Routing;

/// <summary>The routing side's request steps, each alone: method scope, peek, frame rewrite.</summary>
public class RequestStepTests
{
    private static readonly IOptions<GatewayOptions> s_options = Options.Create(new GatewayOptions { MaxRequestBodySize = 1024 });

    [Theory]
    [InlineData("ModelInfer", true)]
    [InlineData("ModelReady", true)]
    [InlineData("ServerLive", false)]
    public async Task MethodScope_Forwarded_StartsTheRequestAndPassesOn(string method, bool modelCall)
    {
        var call = new StepContext(method);

        await new MethodScopeStep().InvokeAsync(call.Http, call.Next);

        Assert.Equal(1, call.NextCalls);
        var request = GatewayRequest.Of(call.Http);
        Assert.Equal((method, modelCall ? MethodScope.Model : MethodScope.Server), (request.Method, request.Scope));
    }

    [Theory]
    [InlineData("/mlops.v1.Explain/Explain", "Explain", true)]
    [InlineData("/mlops.v1.Explain/ModelInfer", "ModelInfer", false)]
    [InlineData("/inference.GRPCInferenceService/Explain", "Explain", false)]
    public async Task MethodScope_Explain_AModelCallOnItsOwnServiceOnly(string path, string method, bool forwarded)
    {
        var call = new StepContext(method);
        call.Http.Request.Path = path;

        await new MethodScopeStep().InvokeAsync(call.Http, call.Next);

        Assert.Equal(forwarded ? 1 : 0, call.NextCalls);
        Assert.Equal(forwarded ? null : "12", call.Status);
        if (forwarded)
        {
            Assert.Equal(MethodScope.Model, GatewayRequest.Of(call.Http).Scope);
        }
    }

    [Theory]
    [InlineData("ModelStreamInfer")]
    [InlineData("RepositoryIndex")]
    public async Task MethodScope_NotForwarded_Unimplemented(string method)
    {
        var call = new StepContext(method);

        await new MethodScopeStep().InvokeAsync(call.Http, call.Next);

        Assert.Equal(0, call.NextCalls);
        Assert.Equal("12", call.Status);
        Assert.StartsWith($"The gateway does not forward '{method}'.", call.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Peek_ModelCall_ReadsTheModelAndLeavesTheBodyWhole()
    {
        var body = StepContext.Frame(new ModelInferRequest { ModelName = "propensity", ModelVersion = "2", Id = "x" });
        var call = new StepContext(body: body);
        var request = call.Started();

        await new PeekStep(s_options).InvokeAsync(call.Http, call.Next);

        Assert.Equal(1, call.NextCalls);
        Assert.Equal(("propensity", "2"), (request.Prefix.Name, request.Prefix.Version));
        var forwarded = new MemoryStream();
        await call.Http.Request.BodyReader.CopyToAsync(forwarded);
        Assert.Equal(body, forwarded.ToArray());
    }

    [Fact]
    public async Task Peek_ServerCall_ReadsNothing()
    {
        var call = new StepContext("ServerLive", [1, 2, 3]);
        var request = call.Started("ServerLive", MethodScope.Server);

        await new PeekStep(s_options).InvokeAsync(call.Http, call.Next);

        Assert.Equal(1, call.NextCalls);
        Assert.Equal("", request.Model);
    }

    [Fact]
    public async Task Peek_Compressed_Unimplemented()
    {
        var call = new StepContext(body: StepContext.Frame(new ModelInferRequest { ModelName = "m" }, compressed: 1));
        call.Http.Request.Headers["grpc-encoding"] = "gzip";
        call.Started();

        await new PeekStep(s_options).InvokeAsync(call.Http, call.Next);

        Assert.Equal((0, "12"), (call.NextCalls, call.Status));
        Assert.StartsWith("The gateway cannot read compressed requests", call.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Peek_Truncated_InvalidArgument()
    {
        var call = new StepContext(body: StepContext.Frame(new ModelInferRequest { ModelName = "propensity" })[..8]);
        call.Started();

        await new PeekStep(s_options).InvokeAsync(call.Http, call.Next);

        Assert.Equal((0, "3"), (call.NextCalls, call.Status));
        Assert.Equal("The ModelInfer request is not a valid protocol message: the model name could not be read.", call.Message);
    }

    [Fact]
    public async Task Peek_OverTheLimit_ResourceExhausted()
    {
        var call = new StepContext(body: StepContext.Frame(new ModelInferRequest { ModelName = "m", Id = new string('x', 2000) }));
        call.Started();

        await new PeekStep(s_options).InvokeAsync(call.Http, call.Next);

        Assert.Equal((0, "8"), (call.NextCalls, call.Status));
        Assert.EndsWith("this gateway accepts at most 1024. Send fewer rows per request.", call.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Peek_NoModelName_InvalidArgument()
    {
        var call = new StepContext(body: StepContext.Frame(new ModelInferRequest { Id = "x" }));
        call.Started();

        await new PeekStep(s_options).InvokeAsync(call.Http, call.Next);

        Assert.Equal((0, "3"), (call.NextCalls, call.Status));
        Assert.Equal("The request names no model: set the model name.", call.Message);
    }

    [Fact]
    public async Task FrameRewrite_StableChosen_ForwardsTheRoutedVersionAndTheRestUntouched()
    {
        var original = new ModelInferRequest { ModelName = "propensity", Id = "req-1" };
        original.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "probabilities" });
        var call = new StepContext(body: StepContext.Frame(original));
        var request = call.Started();
        await new PeekStep(s_options).InvokeAsync(call.Http, call.Next);
        request.Decision = new RouteDecision("3", RouteKind.Stable, null);

        await new FrameRewriteStep().InvokeAsync(call.Http, call.Next);

        var forwarded = new MemoryStream();
        await call.Http.Request.Body.CopyToAsync(forwarded);
        var sent = ModelInferRequest.Parser.ParseFrom(forwarded.ToArray().AsSpan(GrpcRequestPeek.HeaderLength));
        Assert.Equal(original.Clone().With(r => r.ModelVersion = "3"), sent);
        Assert.True(request.Body!.Started);
        Assert.Null(request.Body.Captured);
    }

    [Fact]
    public async Task FrameRewrite_ShadowSampled_CapturesTheRest()
    {
        var original = new ModelInferRequest { ModelName = "propensity", ModelVersion = "1", Id = "req-1" };
        var call = new StepContext(body: StepContext.Frame(original));
        var request = call.Started();
        await new PeekStep(s_options).InvokeAsync(call.Http, call.Next);
        request.Decision = new RouteDecision("1", RouteKind.Explicit, "2");

        await new FrameRewriteStep().InvokeAsync(call.Http, call.Next);
        await call.Http.Request.Body.CopyToAsync(Stream.Null);

        // The rest: field 3 (the id) as protobuf wrote it.
        Assert.Equal(new ModelInferRequest { Id = "req-1" }.ToByteArray(), request.Body!.Captured!.Value.ToArray());
    }

    [Fact]
    public async Task FrameRewrite_NothingToChange_BodyPassesThrough()
    {
        var body = StepContext.Frame(new ModelInferRequest { ModelName = "propensity", Id = "req-1" });
        var call = new StepContext(body: body);
        var request = call.Started();
        await new PeekStep(s_options).InvokeAsync(call.Http, call.Next);

        await new FrameRewriteStep().InvokeAsync(call.Http, call.Next);

        var forwarded = new MemoryStream();
        await call.Http.Request.Body.CopyToAsync(forwarded);
        Assert.Equal(body, forwarded.ToArray());
        Assert.Equal(2, call.NextCalls);
        Assert.Same(request.Body, call.Http.Request.Body);
    }
}

internal static class MessageExtensions
{
    public static T With<T>(this T message, Action<T> change)
    {
        change(message);
        return message;
    }
}
