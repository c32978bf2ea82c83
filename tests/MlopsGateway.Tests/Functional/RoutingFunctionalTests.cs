using System.Globalization;
using Google.Protobuf;
using System.Security.Claims;
using System.Text;
using Grpc.Core;
using Inference;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Contracts.Tensors;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Gateway.Forwarding;
using MlopsGateway.Gateway.Routing;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Functional;

/// <summary>Routes, canary, sticky keys, shadow, quotas and JWTs through real gateways to a real worker.</summary>
public sealed class RoutingFunctionalTests(RoutingFixture stack) : FunctionalTest(stack.Logs), IClassFixture<RoutingFixture>
{
    private GRPCInferenceService.GRPCInferenceServiceClient GatewayA => StackFixture.Client(stack.GatewayAAddress);

    private Metadata Key => StackFixture.WithKey(stack.Key);

    private ModelInferRequest Request(string version = "") => TestRequests.Propensity(stack.Model, [TestRequests.Row], version: version);

    /// <summary>Starts a gateway of the test's own and waits until it routes the model with shadow at 100%; returns a client of it.</summary>
    private async Task<GRPCInferenceService.GRPCInferenceServiceClient> StartWithShadowAsync(WebApplication gateway)
    {
        await gateway.StartAsync();
        await StackFixture.WaitForDestinationAsync(gateway, stack.WorkerAddress);
        var snapshots = gateway.Services.GetRequiredService<SnapshotCache>();
        await Wait.UntilAsync(() => Task.FromResult(snapshots.Current.Keys.Find(stack.Key) is not null
            && snapshots.Current.Routes.TryGetValue(stack.Model, out var route) && route.ShadowPercent == 100));
        return StackFixture.Client(ServerEndpoints.GrpcAddress(gateway));
    }

    [Fact]
    public async Task ChangeAsync_TwoGateways_BothHoldTheNewRouteWithinOneSecond()
    {
        await stack.SetRouteAsync(new RouteRecord("", "1"));

        var change = await stack.Routes.ChangeAsync(stack.Model, (route, _) => route! with { Stable = "2" }, "tests");

        var deadline = DateTime.UtcNow.AddSeconds(1);
        while (!(stack.Holds(stack.GatewayA, change.After) && stack.Holds(stack.GatewayB, change.After)))
        {
            Assert.True(DateTime.UtcNow < deadline, "A gateway did not hold the new route within 1 s.");
            await Task.Delay(5);
        }
        Assert.Equal("2", (await StackFixture.Client(stack.GatewayBAddress).ModelInferAsync(Request(), Key)).ModelVersion);
        Assert.Equal("2", (await GatewayA.ModelInferAsync(Request(), Key)).ModelVersion);
    }

    [Fact]
    public async Task ModelInfer_CanaryAt30Percent_AnswersSplitByWeight()
    {
        await stack.SetRouteAsync(new RouteRecord("", "1", Canary: "2", CanaryWeight: 30));

        var versions = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            versions.Add((await GatewayA.ModelInferAsync(Request(), Key)).ModelVersion);
        }

        Assert.Equal(["1", "2"], versions.Distinct().Order());
        Assert.InRange(versions.Count(v => v == "2") / 3.0, 20, 40);
    }

    [Fact]
    public async Task ModelInfer_SameRoutingKey_SameVersionEveryTime()
    {
        await stack.SetRouteAsync(new RouteRecord("", "1", Canary: "2", CanaryWeight: 50));

        var seen = new HashSet<string>();
        for (var k = 0; k < 20; k++)
        {
            var headers = StackFixture.WithKey(stack.Key);
            headers.Add("x-routing-key", $"customer-{k}");
            var versions = new HashSet<string>();
            for (var i = 0; i < 5; i++)
            {
                var client = i % 2 == 0 ? GatewayA : StackFixture.Client(stack.GatewayBAddress);
                versions.Add((await client.ModelInferAsync(Request(), headers)).ModelVersion);
            }
            seen.Add(Assert.Single(versions));
        }
        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public async Task ModelInfer_ExplicitVersion_WinsOverTheRoute()
    {
        await stack.SetRouteAsync(new RouteRecord("", "2", Canary: "1", CanaryWeight: 100));

        Assert.Equal("2", (await GatewayA.ModelInferAsync(Request("2"), Key)).ModelVersion);
        Assert.Equal("1", (await GatewayA.ModelInferAsync(Request(), Key)).ModelVersion);
    }

    [Fact]
    public async Task ModelInfer_ShadowWithDifferentWeights_DivergenceRecordedCallerGetsPrimary()
    {
        using var metrics = new MetricsRecorder(stack.GatewayA);
        await stack.SetRouteAsync(new RouteRecord("", "1", Shadow: "2", ShadowPercent: 100));
        var direct = await TestSecrets.WorkerClient(stack.WorkerAddress).ModelInferAsync(Request("1"));
        var directV2 = await TestSecrets.WorkerClient(stack.WorkerAddress).ModelInferAsync(Request("2"));
        Assert.NotEqual(InferResponseReader.Values(direct, 0), InferResponseReader.Values(directV2, 0));

        for (var i = 0; i < 20; i++)
        {
            var answer = await GatewayA.ModelInferAsync(Request(), Key);
            Assert.Equal("1", answer.ModelVersion);
            Assert.Equal(InferResponseReader.Values(direct, 0), InferResponseReader.Values(answer, 0));
        }

        (string, string)[] labels = [("model", stack.Model), ("primary", "1"), ("shadow", "2")];
        await Wait.UntilAsync(() => Task.FromResult(metrics.Values("mlops.gateway.shadow.max_abs_diff", labels).Count >= 20));
        var expected = InferResponseReader.Values(direct, 0).Zip(InferResponseReader.Values(directV2, 0), (a, b) => Math.Abs(a - b)).Max();
        Assert.All(metrics.Values("mlops.gateway.shadow.max_abs_diff", labels), diff => Assert.Equal(expected, diff, 6));
        Assert.Equal(20, metrics.Values("mlops.gateway.shadow.sent", [.. labels, ("status", "0")]).Sum());
        Assert.Equal(20, metrics.Values("mlops.gateway.shadow.top_class", labels).Sum());
    }

    [Theory]
    [InlineData("copies")]
    [InlineData("bytes")]
    public async Task ModelInfer_ShadowAtItsLimit_FurtherCopiesDroppedAndCountedCallersAnswered(string limit)
    {
        await stack.SetRouteAsync(new RouteRecord("", "1", Shadow: "2", ShadowPercent: 100));
        await using var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), stack.Redis, o =>
        {
            // The first copy waits out a long gather window, holding all the room there is while the
            // four calls after it are made; 2 s was too short for five calls on a machine at load 25.
            o.ShadowGatherWindow = TimeSpan.FromSeconds(8);
            o.ShadowCpuLimit = 100;
            o.WorkerSecret = TestSecrets.Worker;
            if (limit == "copies")
            {
                o.MaxShadowConcurrency = 1;
            }
            else
            {
                o.MaxShadowBytesInFlight = 1;
            }
        }, stack.Logs.Configure);
        using var metrics = new MetricsRecorder(gateway);
        var client = await StartWithShadowAsync(gateway);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("1", (await client.ModelInferAsync(Request(), Key)).ModelVersion);
        }

        Assert.Equal(4, metrics.Values("mlops.gateway.shadow.dropped", ("model", stack.Model), ("reason", "saturated")).Sum());
        (string, string)[] sent = [("model", stack.Model), ("primary", "1"), ("shadow", "2"), ("status", "0")];
        await Wait.UntilAsync(() => Task.FromResult(metrics.Values("mlops.gateway.shadow.sent", sent).Sum() == 1), seconds: 30);
        await gateway.StopAsync();
    }

    [Fact]
    public async Task ModelInfer_ShadowCpuAboveItsLimit_CopiesYieldCountedAsBusyCallersAnswered()
    {
        await stack.SetRouteAsync(new RouteRecord("", "1", Shadow: "2", ShadowPercent: 100));
        // Any CPU use at all is over this limit, so the gateway's own readings make the copies yield.
        await using var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), stack.Redis, o =>
            {
                o.ShadowCpuLimit = 0.0001;
                o.WorkerSecret = TestSecrets.Worker;
            }, stack.Logs.Configure);
        using var metrics = new MetricsRecorder(gateway);
        var client = await StartWithShadowAsync(gateway);
        (string, string)[] busy = [("model", stack.Model), ("reason", "busy")];
        (string, string)[] sent = [("model", stack.Model), ("primary", "1"), ("shadow", "2")];

        var answered = 0;
        await Wait.UntilAsync(async () =>
        {
            Assert.Equal("1", (await client.ModelInferAsync(Request(), Key)).ModelVersion);
            answered++;
            return metrics.Values("mlops.gateway.shadow.dropped", busy).Sum() >= 20;
        }, seconds: 30);

        // Every sampled copy is either sent (and answered) or counted as busy: none lost.
        await Wait.UntilAsync(() => Task.FromResult(
            metrics.Values("mlops.gateway.shadow.sent", sent).Sum() + metrics.Values("mlops.gateway.shadow.dropped", busy).Sum() == answered));
        Assert.Equal(0, metrics.Values("mlops.gateway.shadow.dropped", ("model", stack.Model), ("reason", "saturated")).Sum());
        Assert.Contains(stack.Logs.Entries, e => e.Event.Name == "ShadowYielding" && e.Message.Contains("above the 0% limit", StringComparison.Ordinal));
        await gateway.StopAsync();
    }

    [Fact]
    public async Task ModelInfer_ShadowPrimaryAnswerOverCopyLimit_CopyDroppedAsTooLargeCallerAnswered()
    {
        await stack.SetRouteAsync(new RouteRecord("", "1"));
        // A limit the request fits and the primary's answer (its gRPC frame) does not.
        var requestBytes = Request().CalculateSize();
        var answerBytes = (await GatewayA.ModelInferAsync(Request(), Key)).CalculateSize() + GrpcRequestPeek.HeaderLength;
        Assert.True(answerBytes > requestBytes, $"the answer ({answerBytes} bytes) must be larger than the request ({requestBytes}) for this test");
        await stack.SetRouteAsync(new RouteRecord("", "1", Shadow: "2", ShadowPercent: 100));
        await using var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), stack.Redis, o =>
        {
            o.MaxShadowMessageBytes = requestBytes;
            o.ShadowCpuLimit = 100;
            o.WorkerSecret = TestSecrets.Worker;
        }, stack.Logs.Configure);
        using var metrics = new MetricsRecorder(gateway);
        var client = await StartWithShadowAsync(gateway);

        var answer = await client.ModelInferAsync(Request(), Key);

        Assert.Equal("1", answer.ModelVersion);
        await Wait.UntilAsync(() => Task.FromResult(
            metrics.Values("mlops.gateway.shadow.dropped", ("model", stack.Model), ("reason", "too_large")).Sum() == 1));
        Assert.Equal(0, metrics.Values("mlops.gateway.shadow.sent", ("model", stack.Model)).Sum());
        await gateway.StopAsync();
    }

    [Fact]
    public async Task ModelInfer_OverQuota_ResourceExhaustedWithRetryHint()
    {
        var (_, secret) = await new ApiKeyStore(stack.Redis).CreateAsync("quota-" + stack.Model, [stack.Model], null, ratePerSecond: 0.01, burst: 2);
        await Wait.UntilAsync(async () => (await GatewayA.ModelInferAsync(Request("1"), StackFixture.WithKey(secret))).ModelVersion == "1");
        await GatewayA.ModelInferAsync(Request("1"), StackFixture.WithKey(secret));

        var ex = await Assert.ThrowsAsync<RpcException>(() => GatewayA.ModelInferAsync(Request("1"), StackFixture.WithKey(secret)).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("over its quota of 0.01 requests/s (burst 2). Retry in", ex.Status.Detail);
        Assert.True(long.Parse(ex.Trailers.GetValue("grpc-retry-pushback-ms")!, CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public async Task ModelInfer_SharedQuotaTwoGateways_OneBucketInRedis()
    {
        var (_, secret) = await new ApiKeyStore(stack.Redis).CreateAsync("shared-quota-" + stack.Model, [stack.Model], null, ratePerSecond: 0.01, burst: 2);
        await using var c = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), stack.Redis, SharedQuotas, stack.Logs.Configure);
        await using var d = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), stack.Redis, SharedQuotas, stack.Logs.Configure);
        await Task.WhenAll(c.StartAsync(), d.StartAsync());
        await StackFixture.WaitForDestinationAsync(c, stack.WorkerAddress);
        await StackFixture.WaitForDestinationAsync(d, stack.WorkerAddress);
        var key = StackFixture.WithKey(secret);
        await Wait.UntilAsync(() => Task.FromResult(c.Services.GetRequiredService<SnapshotCache>().Current.Keys.Find(secret) is not null
            && d.Services.GetRequiredService<SnapshotCache>().Current.Keys.Find(secret) is not null));

        await StackFixture.Client(ServerEndpoints.GrpcAddress(c)).ModelInferAsync(Request("1"), key);
        await StackFixture.Client(ServerEndpoints.GrpcAddress(d)).ModelInferAsync(Request("1"), key);
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            StackFixture.Client(ServerEndpoints.GrpcAddress(c)).ModelInferAsync(Request("1"), key).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        await Task.WhenAll(c.StopAsync(), d.StopAsync());
    }

    [Fact]
    public async Task ModelInfer_TooLarge_ResourceExhaustedBeforeForwarding()
    {
        var rows = Enumerable.Repeat(TestRequests.Row, 2_000).ToArray();
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            GatewayA.ModelInferAsync(TestRequests.Propensity(stack.Model, rows, version: "1"), Key).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains($"this gateway accepts at most {RoutingFixture.MaxRequestBytes}", ex.Status.Detail);
    }

    [Fact]
    public async Task ModelInfer_ValidJwt_Accepted()
    {
        var answer = await GatewayA.ModelInferAsync(Request("1"), Bearer(Token(RoutingFixture.JwtKey, stack.Model)));
        Assert.Equal("1", answer.ModelVersion);
    }

    [Fact]
    public async Task ModelInfer_JwtSignedWithAnotherKey_Unauthenticated()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            GatewayA.ModelInferAsync(Request("1"), Bearer(Token("another-signing-key-0123456789abcdefghij", stack.Model))).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        Assert.Contains("signature does not match", ex.Status.Detail);
    }

    [Fact]
    public async Task ModelInfer_ExpiredJwt_Unauthenticated()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            GatewayA.ModelInferAsync(Request("1"), Bearer(Token(RoutingFixture.JwtKey, stack.Model, expires: DateTime.UtcNow.AddMinutes(-5)))).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        Assert.Contains("expired", ex.Status.Detail);
    }

    [Fact]
    public async Task ModelInfer_JwtWithoutTheModel_PermissionDenied()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            GatewayA.ModelInferAsync(Request("1"), Bearer(Token(RoutingFixture.JwtKey, "other-model"))).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Contains($"token subject 'svc-checkout' may not call model '{stack.Model}'", ex.Status.Detail);
    }

    [Fact]
    public async Task Metrics_AfterCalls_RequestsByDecisionAndVersion()
    {
        using var metrics = new MetricsRecorder(stack.GatewayA);
        await stack.SetRouteAsync(new RouteRecord("", "1", Canary: "2", CanaryWeight: 50));
        for (var i = 0; i < 20; i++)
        {
            await GatewayA.ModelInferAsync(Request(), Key);
        }
        await GatewayA.ModelInferAsync(Request("2"), Key);

        (string, string)[] infer = [("method", "ModelInfer"), ("model", stack.Model), ("status", "OK")];
        Assert.True(metrics.Values("mlops.gateway.requests", [.. infer, ("decision", "canary"), ("version", "2")]).Sum() > 0);
        Assert.True(metrics.Values("mlops.gateway.requests", [.. infer, ("decision", "stable"), ("version", "1")]).Sum() > 0);
        Assert.Equal(1, metrics.Values("mlops.gateway.requests", [.. infer, ("decision", "explicit"), ("version", "2")]).Sum());
        Assert.Equal(21, metrics.Values("mlops.gateway.request.duration", infer).Count);
    }

    [Fact]
    public async Task Metrics_MadeUpVersions_CountedUnderOneOtherLabel()
    {
        using var metrics = new MetricsRecorder(stack.GatewayA);
        await stack.SetRouteAsync(new RouteRecord("", "1"));
        for (var i = 0; i < 30; i++)
        {
            var ex = await Assert.ThrowsAsync<RpcException>(() => GatewayA.ModelInferAsync(Request($"made-up-{i}-" + new string('x', 200)), Key).ResponseAsync);
            Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        }
        await GatewayA.ModelInferAsync(Request("2"), Key);

        (string, string)[] infer = [("method", "ModelInfer"), ("model", stack.Model)];
        Assert.Equal(30, metrics.Values("mlops.gateway.requests", [.. infer, ("version", MetricLabels.Other), ("status", "NotFound")]).Sum());
        Assert.Equal(1, metrics.Values("mlops.gateway.requests", [.. infer, ("version", "2"), ("status", "OK")]).Sum());
        Assert.Equal(31, metrics.Values("mlops.gateway.requests", infer).Sum());
    }

    [Fact]
    public async Task ModelInfer_RewrittenWithContentLength_WorkerGetsAConsistentBody()
    {
        await stack.SetRouteAsync(new RouteRecord("", "1"));
        var payload = Request().ToByteArray();
        var frame = new byte[5 + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, stack.GatewayAAddress + "/inference.GRPCInferenceService/ModelInfer")
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            // ByteArrayContent sends Content-Length, as h2load and some proxies do.
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("x-api-key", stack.Key);

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
        Assert.Equal("1", ModelInferResponse.Parser.ParseFrom(body.AsSpan(5)).ModelVersion);
    }

    private static void SharedQuotas(GatewayOptions o)
    {
        o.SharedQuotas = true;
        o.WorkerSecret = TestSecrets.Worker;
    }

    private static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    private static string Token(string key, string models, DateTime? expires = null) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Subject = new ClaimsIdentity([new Claim("sub", "svc-checkout"), new Claim("models", models + " something-else")]),
        NotBefore = (expires ?? DateTime.UtcNow.AddMinutes(5)).AddMinutes(-10),
        Expires = expires ?? DateTime.UtcNow.AddMinutes(5),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
    });
}
