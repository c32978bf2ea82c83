using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>YARP's clients to the workers (forwarded calls and health probes), trusting workers' certificates as <see cref="WorkerTls"/> says.</summary>
internal sealed class WorkerHttpClientFactory(WorkerTls tls, ILogger<ForwarderHttpClientFactory> logger) : ForwarderHttpClientFactory(logger)
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        tls.Apply(handler);
    }
}
