using Grpc.Core;
using Grpc.Net.Client;
using Inference;
using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Gateway.Versions;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Functional;

/// <summary>The registry's aliases, deprecations and retirements as callers of a real gateway meet them.</summary>
public sealed class CatalogFunctionalTests(CatalogFixture stack) : FunctionalTest(stack.Logs), IClassFixture<CatalogFixture>
{
    private Metadata Key => StackFixture.WithKey(stack.Key);

    private ModelInferRequest Request(string model, string version = "") => TestRequests.Propensity(model, [TestRequests.Row], version: version);

    [Fact]
    public async Task AliasMove_FollowedByRouteNamingItAndByCallersSendingIt()
    {
        var model = stack.Model("alias");
        var client = StackFixture.Client(stack.GatewayAddress);
        await stack.Registry.SetAliasAsync(model, "champion", "1", "tests");
        await stack.Routes.ChangeAsync(model, (_, _) => new RouteRecord(model, "@champion"), "tests", requireRegisteredWorkers: false);
        await Wait.UntilAsync(() => stack.Snapshot.Routes.TryGetValue(model, out var route) && route.Stable == "1");
        Assert.Equal("1", (await client.ModelInferAsync(Request(model), Key)).ModelVersion);
        Assert.Equal("1", (await client.ModelInferAsync(Request(model, "@champion"), Key)).ModelVersion);

        await stack.Registry.SetAliasAsync(model, "champion", "2", "tests");

        // The move reaches the gateway by the registry's announcement (pub/sub), not its timer.
        await Wait.UntilAsync(() => stack.Snapshot.Routes[model].Stable == "2", seconds: 5);
        Assert.Equal("2", (await client.ModelInferAsync(Request(model), Key)).ModelVersion);
        Assert.Equal("2", (await client.ModelInferAsync(Request(model, "@champion"), Key)).ModelVersion);
        var metadata = await client.ModelMetadataAsync(new ModelMetadataRequest { Name = model, Version = "@champion" }, Key);
        Assert.Equal(model, metadata.Name);
        // The route still reads as written: what a restore would write back.
        Assert.Equal("@champion", (await stack.Routes.GetAsync(model))!.Stable);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.ModelInferAsync(Request(model, "@nope"), Key).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("@champion", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangeAsync_RouteNamingAnUnsetAlias_RefusedNamingIt()
    {
        var model = stack.Model("alias");
        var error = await Assert.ThrowsAsync<RouteValidationException>(() =>
            stack.Routes.ChangeAsync(model, (_, _) => new RouteRecord(model, "@challenger"), "tests"));
        Assert.Contains("'@challenger' names an alias", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeprecatedVersion_PlainGrpcClientReadsDeprecationSunsetAndLink_CallersFlushed()
    {
        var model = stack.Model("deprecated");
        var sunset = new DateTimeOffset(2099, 1, 31, 12, 0, 0, TimeSpan.Zero);
        var record = await stack.Registry.DeprecateAsync(model, "1", sunset, "2", "v2 is retrained", "tests");
        await Wait.UntilAsync(() => stack.Snapshot.Catalog.Notice(model, "1") is not null);

        // An ordinary Grpc.Net.Client call, as any caller makes it: the headers are plain response metadata.
        using var channel = GrpcChannel.ForAddress(stack.GatewayAddress);
        var call = new GRPCInferenceService.GRPCInferenceServiceClient(channel).ModelInferAsync(Request(model, "1"), Key);
        var headers = await call.ResponseHeadersAsync;
        Assert.Equal("1", (await call.ResponseAsync).ModelVersion);

        Assert.Equal("@" + record.Deprecation!.At.ToUnixTimeSeconds(), headers.GetValue("deprecation"));
        Assert.Equal("Sat, 31 Jan 2099 12:00:00 GMT", headers.GetValue("sunset"));
        Assert.Equal($"<mlops://models/{model}/versions/2>; rel=\"successor-version\"", headers.GetValue("link"));

        // Version 2 is not deprecated: its answers carry none of them.
        var current = StackFixture.Client(stack.GatewayAddress).ModelInferAsync(Request(model, "2"), Key);
        Assert.Null((await current.ResponseHeadersAsync).GetValue("deprecation"));

        // The call was counted for the key and reaches the registry with the next flush.
        await stack.Gateway.Services.GetRequiredService<CallerFlush>().FlushAsync();
        var caller = Assert.Single((await stack.Registry.CallersAsync(model, "1")).Records);
        Assert.Equal((stack.KeyId, 1L), (caller.KeyId, caller.Count));
        Assert.Empty((await stack.Registry.CallersAsync(model, "2")).Records);
    }

    [Fact]
    public async Task PastSunset_PinnedCallRefusedNamingTheReplacement_UnpinnedCallServed()
    {
        var model = stack.Model("sunset");
        await stack.Routes.ChangeAsync(model, (_, _) => new RouteRecord(model, "1"), "tests", requireRegisteredWorkers: false);
        await stack.Registry.DeprecateAsync(model, "1", DateTimeOffset.UtcNow.AddMinutes(-1), "2", null, "tests");
        await Wait.UntilAsync(() => stack.Snapshot.Catalog.Notice(model, "1") is not null && stack.Snapshot.Routes.ContainsKey(model));
        var client = StackFixture.Client(stack.GatewayAddress);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.ModelInferAsync(Request(model, "1"), Key).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("Call version 2, its replacement", error.Status.Detail, StringComparison.Ordinal);
        // Pinning nothing still gets the route's version (past its sunset too: moving the route is the operator's call), with the headers.
        var unpinned = client.ModelInferAsync(Request(model), Key);
        Assert.Equal("1", (await unpinned.ResponseAsync).ModelVersion);
        Assert.NotNull((await unpinned.ResponseHeadersAsync).GetValue("sunset"));
        Assert.Equal("2", (await client.ModelInferAsync(Request(model, "2"), Key)).ModelVersion);
    }

    [Fact]
    public async Task RetiredVersion_PinnedCallRefusedNamingTheReplacement()
    {
        var model = stack.Model("retired");
        await stack.Registry.DeprecateAsync(model, "1", DateTimeOffset.UtcNow.AddDays(30), "2", null, "tests");
        await stack.Registry.RetireAsync(model, "1", "tests");
        await Wait.UntilAsync(() => stack.Snapshot.Catalog.Notice(model, "1")?.RetiredAt is not null);
        var client = StackFixture.Client(stack.GatewayAddress);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.ModelInferAsync(Request(model, "1"), Key).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("retired", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Call version 2", error.Status.Detail, StringComparison.Ordinal);
    }
}
