using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>
/// How the gateway's connections to <c>https://</c> workers judge the workers' certificates: by the
/// machine's roots, or, with <see cref="GatewayOptions.WorkerCaPath"/>, by that CA bundle alone. One
/// place for every client that reaches workers (YARP's, the shadow streams').
/// </summary>
internal sealed class WorkerTls
{
    private readonly X509Certificate2Collection? _authorities;

    public WorkerTls(IOptions<GatewayOptions> options)
    {
        _authorities = options.Value.WorkerCaPath is { } path ? ReadAuthorities(path) : null;
    }

    /// <summary>The CA certificates in a PEM file.</summary>
    /// <exception cref="InvalidOperationException">The file is missing, unreadable, or holds no certificate.</exception>
    public static X509Certificate2Collection ReadAuthorities(string path)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"'{path}' could not be read as PEM certificates: {ex.Message}", ex);
        }
        return authorities.Count > 0 ? authorities : throw new InvalidOperationException($"'{path}' holds no PEM certificate.");
    }

    /// <summary>Makes <paramref name="handler"/> trust the configured CAs for workers' certificates; nothing without them.</summary>
    public void Apply(SocketsHttpHandler handler)
    {
        if (_authorities is null)
        {
            return;
        }
        // The chain policy replaces only which roots count; SslStream still checks the certificate names the host.
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            // As SslStream does by default: a private CA seldom publishes revocation lists, and a missing one would fail every chain.
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(_authorities);
        handler.SslOptions.CertificateChainPolicy = policy;
    }
}
