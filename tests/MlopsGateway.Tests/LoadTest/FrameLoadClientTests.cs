using Inference;
using MlopsGateway.LoadTest;
using MlopsGateway.LoadTest.Http2;
using MlopsGateway.Monitoring;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.LoadTest;

/// <summary>
/// The load tool's own HTTP/2 client (<see cref="FrameLoadClient"/>) against a real Kestrel gRPC
/// server: answers and statuses as Grpc.Net.Client reports them, its own deadline, the server's
/// stream limit, GOAWAY and a dropped connection in the middle of a run, and bodies larger than a
/// frame and than the flow-control windows.
/// </summary>
public sealed class FrameLoadClientTests : IAsyncLifetime
{
    private ScriptedInferenceServer _server = null!;

    public async Task InitializeAsync() => _server = await ScriptedInferenceServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static async Task<LevelResult> RunAsync(LoadCall call, int concurrency, long requests)
    {
        var plan = new LoadPlan { Concurrency = [concurrency], Warmup = TimeSpan.Zero, Duration = TimeSpan.FromMinutes(1), MaxRequestsPerLevel = requests };
        var result = await new LoadRunner(plan, call).RunAsync(CancellationToken.None);
        return Assert.Single(result.Levels);
    }

    private static ModelInferRequest[] Requests(params string[] models) => models.Select(ScriptedInferenceServer.Request).ToArray();

    private static string[] Repeat(string model, int times, string last) => [.. Enumerable.Repeat(model, times), last];

    [Fact]
    public async Task OkAndFailedAnswers_CountedWithTheStatusAndMessageGrpcNetClientGives()
    {
        using var frames = new FrameLoadClient(_server.Address, "key", connections: 2);
        using var grpc = new OipLoadClient(_server.Address, "key", connections: 2);
        var requests = Requests("ok", "fail");

        var mine = await RunAsync(frames.InferCall(requests, TimeSpan.FromSeconds(10)), 4, 40);
        var theirs = await RunAsync(grpc.InferCall(requests, TimeSpan.FromSeconds(10)), 4, 40);

        Assert.Equal((40L, 20L), (mine.Requests, mine.Ok));
        Assert.Equal(new Dictionary<string, long> { ["InvalidArgument"] = 20 }, mine.ErrorsByStatus);
        // grpc-message arrives percent-encoded ("100%25"); both decode it the same way.
        Assert.Equal(theirs.ErrorMessages, mine.ErrorMessages);
        Assert.Contains("(100% wrong)", mine.ErrorMessages["InvalidArgument"]);
    }

    [Fact]
    public async Task ServerNeverAnswers_OwnDeadlineFailsTheCallsAndResetsTheirStreams()
    {
        using var frames = new FrameLoadClient(_server.Address, "silent");

        var level = await RunAsync(frames.InferCall(Requests("ok"), TimeSpan.FromMilliseconds(300)), 4, 8);

        Assert.Equal(new Dictionary<string, long> { ["DeadlineExceeded"] = 8 }, level.ErrorsByStatus);
        Assert.Equal("Deadline Exceeded", level.ErrorMessages["DeadlineExceeded"]);
        // Each expired call's stream was reset (RST_STREAM), which the server sees as the request aborted.
        await Wait.UntilAsync(() => Volatile.Read(ref _server.Script.SilentCallsReset) == 8);
        Assert.Equal(8, _server.Script.SilentCalls);
    }

    [Fact]
    public async Task MoreCallersThanTheServersStreamLimit_KeepsToItAndQueuesTheRest()
    {
        await using var server = await ScriptedInferenceServer.StartAsync(maxStreams: 4);
        using var frames = new FrameLoadClient(server.Address, null);

        // 16 callers on one connection that allows 4 streams; each group of 4 is released together by the server.
        var level = await RunAsync(frames.InferCall(Requests("hold"), TimeSpan.FromSeconds(30)), 16, 40);

        Assert.Equal((40L, 40L), (level.Requests, level.Ok));
        Assert.Equal(4, server.Script.MostHeldOnOneConnection);
        Assert.Equal(4, Assert.Single(frames.Connections).MostOpenStreams);
        Assert.Equal(1, server.Script.ConnectionsAccepted);
    }

    [Fact]
    public async Task GoAwayMidRun_CallsNotStartedFailAsUnavailable_AndANewConnectionCarriesOn()
    {
        using var frames = new FrameLoadClient(_server.Address, null);

        // Every 10th call makes Kestrel close its connection gracefully (GOAWAY); calls in flight on it finish.
        var level = await RunAsync(frames.InferCall(Requests(Repeat("ok", 9, "goaway")), TimeSpan.FromSeconds(10)), 4, 100);

        Assert.Equal(100, level.Requests);
        Assert.True(level.ErrorsByStatus.Keys.All(k => k == "Unavailable"), string.Join(", ", level.ErrorsByStatus));
        // Each GOAWAY fails at most each of the 4 callers' calls sent on the closing connection: 40 of 100.
        // (A quiet machine loses about 36; the bound of 70 held only on a crowded one, where fewer were in flight.)
        Assert.True(level.Ok >= 60, $"{level.Ok} of 100 succeeded");
        // A GOAWAY per 'goaway' call the server ran (one sent on a closing connection fails unstarted, two on one
        // connection close it once); the connection is opened again after each (the last may come after the run's end).
        Assert.InRange(_server.Script.GoAways, 5, 10);
        Assert.InRange(_server.Script.ConnectionsAccepted, 2, _server.Script.GoAways + 1);
    }

    [Fact]
    public async Task ConnectionDroppedMidRun_CallsOnItFailAsUnavailable_AndANewConnectionCarriesOn()
    {
        using var frames = new FrameLoadClient(_server.Address, null);

        var level = await RunAsync(frames.InferCall(Requests(Repeat("ok", 19, "abort")), TimeSpan.FromSeconds(10)), 4, 100);

        Assert.Equal(100, level.Requests);
        Assert.Equal(["Unavailable"], level.ErrorsByStatus.Keys);
        // The 5 "abort" calls at least; the calls in flight beside them at most.
        Assert.InRange(level.ErrorsByStatus["Unavailable"], 5, 20);
        Assert.InRange(_server.Script.ConnectionsAccepted, 5, 6);
    }

    [Fact]
    public async Task LargeRequestsAndAnswers_CrossFramesAndTheFlowControlWindows()
    {
        // Both windows at HTTP/2's initial 64 KiB: a 1 MiB answer needs many WINDOW_UPDATEs from this side,
        // and a 1 MiB request more than Kestrel's first window, so its updates too.
        var uri = new Uri(_server.Address);
        var options = new Http2ClientOptions(uri.Host, uri.Port, Https: false) { StreamWindow = 65_535, ConnectionWindow = 65_535 };
        using var frames = new FrameLoadClient(options, null, connections: 1);

        var level = await RunAsync(frames.InferCall(Requests("big", "ok"), TimeSpan.FromSeconds(30)), 4, 16);

        Assert.Equal((16L, 16L), (level.Requests, level.Ok));
    }

    [Fact]
    public async Task RunStopped_CallsInFlightEndAsCancelled()
    {
        using var frames = new FrameLoadClient(_server.Address, "silent");
        var call = frames.InferCall(Requests("ok"), TimeSpan.FromMinutes(1));
        using var stop = new CancellationTokenSource();

        var pending = call(stop.Token).AsTask();
        await Wait.UntilAsync(() => Volatile.Read(ref _server.Script.SilentCalls) == 1);
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        await Wait.UntilAsync(() => Volatile.Read(ref _server.Script.SilentCallsReset) == 1);
    }

    [Fact]
    public async Task Https_NegotiatesH2ByAlpn_AndAnswers()
    {
        using var certificates = TestCertificates.Create();
        await using var server = await ScriptedInferenceServer.StartAsync(tls: ServerCertificate.FromPemFiles(certificates.CertificatePath, certificates.KeyPath));
        var uri = new Uri(server.Address);
        Assert.Equal("https", uri.Scheme);
        var options = new Http2ClientOptions(uri.Host, uri.Port, Https: true) { CertificateChainPolicy = certificates.Handler().SslOptions.CertificateChainPolicy };
        using var frames = new FrameLoadClient(options, null, connections: 2);

        var level = await RunAsync(frames.InferCall(Requests("ok", "fail"), TimeSpan.FromSeconds(10)), 4, 20);

        Assert.Equal((20L, 10L), (level.Requests, level.Ok));
        Assert.Equal(new Dictionary<string, long> { ["InvalidArgument"] = 10 }, level.ErrorsByStatus);
    }

    [Fact]
    public async Task Https_UntrustedCertificate_FailsAsUnavailable()
    {
        using var certificates = TestCertificates.Create();
        await using var server = await ScriptedInferenceServer.StartAsync(tls: ServerCertificate.FromPemFiles(certificates.CertificatePath, certificates.KeyPath));
        // The system's trust: the test's own CA is not in it.
        using var frames = new FrameLoadClient(server.Address, null);

        var level = await RunAsync(frames.InferCall(Requests("ok"), TimeSpan.FromSeconds(10)), 2, 4);

        Assert.Equal(new Dictionary<string, long> { ["Unavailable"] = 4 }, level.ErrorsByStatus);
        Assert.Contains("AuthenticationException", level.ErrorMessages["Unavailable"]);
    }
}
