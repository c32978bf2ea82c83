using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Auth;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Gateway.Forwarding;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Gateway.Discovery;

namespace MlopsGateway.Tests.Gateway.Auth;

/// <summary>The auth side's request steps, each alone: authentication, model access, quota.</summary>
public sealed class AuthStepTests : IDisposable
{
    private const string Secret = "mlops_test-secret";

    private static readonly ApiKeyRecord s_key = new("k1", "checkout", ApiKeyHasher.Hash(Secret), ["propensity"], DateTimeOffset.UnixEpoch, 0.001);

    private readonly GatewayMetrics _metrics = new();
    private readonly AuthRefusal _refusal;

    public AuthStepTests() => _refusal = new AuthRefusal(_metrics, NullLogger<AuthRefusal>.Instance);

    private async Task<AuthenticationStep> AuthenticationAsync()
    {
        var source = new FakeSnapshotSource().Then(new SnapshotRead([s_key], [], [], 1));
        var options = Options.Create(new GatewayOptions());
        var snapshots = new SnapshotCache(null!, RedisKeys.Default, source, options, _metrics, NullLogger<SnapshotCache>.Instance, TimeProvider.System);
        Assert.True(await snapshots.ReloadAsync());
        return new AuthenticationStep(snapshots, new JwtAuthenticator(options), _refusal);
    }

    [Theory]
    [InlineData("x-api-key", Secret)]
    [InlineData("authorization", "Bearer " + Secret)]
    public async Task Authentication_KnownKey_NamesTheCaller(string header, string value)
    {
        var call = new StepContext();
        var request = call.Started();
        call.Http.Request.Headers[header] = value;

        await (await AuthenticationAsync()).InvokeAsync(call.Http, call.Next);

        Assert.Equal(1, call.NextCalls);
        Assert.Equal(("k1", "API key 'checkout' (k1)", 0.001), (request.Caller!.Id, request.Caller.Label, request.Caller.RatePerSecond));
    }

    [Fact]
    public async Task Authentication_NoKey_Unauthenticated()
    {
        var call = new StepContext();
        call.Started();

        await (await AuthenticationAsync()).InvokeAsync(call.Http, call.Next);

        Assert.Equal((0, "16"), (call.NextCalls, call.Status));
        Assert.Equal(AuthenticationStep.NoKey, call.Message);
    }

    [Fact]
    public async Task Authentication_UnknownKey_Unauthenticated()
    {
        var call = new StepContext();
        call.Started();
        call.Http.Request.Headers["x-api-key"] = "mlops_revoked";

        await (await AuthenticationAsync()).InvokeAsync(call.Http, call.Next);

        Assert.Equal((0, "16"), (call.NextCalls, call.Status));
        Assert.Equal(AuthenticationStep.UnknownKey, call.Message);
    }

    [Fact]
    public async Task ModelAccess_ModelNotAllowed_PermissionDenied()
    {
        var call = new StepContext();
        var request = call.Started();
        request.Caller = new CallerIdentity("k1", "API key 'checkout' (k1)", ["propensity"], null, null);
        request.Prefix = new("churn", "", 10, 12);

        await new ModelAccessStep(_refusal).InvokeAsync(call.Http, call.Next);

        Assert.Equal((0, "7"), (call.NextCalls, call.Status));
        Assert.Equal("API key 'checkout' (k1) may not call model 'churn'. It may call: propensity.", call.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ModelAccess_CallerWithoutInferScope_PermissionDeniedNamingTheScope(bool modelCall)
    {
        var call = new StepContext();
        var request = call.Started(scope: modelCall ? MethodScope.Model : MethodScope.Server);
        request.Caller = new CallerIdentity("k1", "API key 'labeller' (k1)", ["*"], null, null, Scopes: ["feedback"]);
        request.Prefix = new(modelCall ? "propensity" : "", "", 10, 12);

        await new ModelAccessStep(_refusal).InvokeAsync(call.Http, call.Next);

        Assert.Equal((0, "7"), (call.NextCalls, call.Status));
        Assert.StartsWith("API key 'labeller' (k1) lacks the 'infer' scope, which ModelInfer needs. Its scopes: feedback.", call.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("propensity", true)]
    [InlineData("", false)]
    public async Task ModelAccess_AllowedOrServerCall_PassesOn(string model, bool modelCall)
    {
        var call = new StepContext();
        var request = call.Started(scope: modelCall ? MethodScope.Model : MethodScope.Server);
        request.Caller = new CallerIdentity("k1", "k1", ["propensity"], null, null);
        request.Prefix = new(model, "", 10, 12);

        await new ModelAccessStep(_refusal).InvokeAsync(call.Http, call.Next);

        Assert.Equal((1, null), (call.NextCalls, call.Status));
    }

    [Fact]
    public async Task Quota_OverQuota_ResourceExhaustedWithPushback()
    {
        using var quotas = new QuotaLimiter(null!, Options.Create(new GatewayOptions()), NullLogger<QuotaLimiter>.Instance);
        var step = new QuotaStep(quotas, _metrics, new MetricLabels(() => new Dictionary<string, RouteRecord>(), () => ProxyTopology.Empty), NullLogger<QuotaStep>.Instance);
        var caller = new CallerIdentity("k1", "API key 'checkout' (k1)", ["*"], 0.001, null);
        var first = new StepContext();
        first.Started().Caller = caller;
        var second = new StepContext();
        second.Started().Caller = caller;

        await step.InvokeAsync(first.Http, first.Next);
        await step.InvokeAsync(second.Http, second.Next);

        Assert.Equal((1, null), (first.NextCalls, first.Status));
        Assert.Equal((0, "8"), (second.NextCalls, second.Status));
        Assert.StartsWith("API key 'checkout' (k1) is over its quota of 0.001 requests/s (burst 1). Retry in ", second.Message, StringComparison.Ordinal);
        Assert.True(second.Http.Response.Headers.ContainsKey("grpc-retry-pushback-ms"));
    }

    public void Dispose() => _metrics.Dispose();
}
