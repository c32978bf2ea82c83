using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace MlopsGateway.LoadTest.Http2;

/// <summary>Where the load client connects and the windows it grants.</summary>
/// <param name="Host">The server's host name or address.</param>
/// <param name="Port">Its port.</param>
/// <param name="Https">TLS with ALPN h2; otherwise h2c with prior knowledge.</param>
internal sealed record Http2ClientOptions(string Host, int Port, bool Https)
{
    /// <summary>
    /// SETTINGS_INITIAL_WINDOW_SIZE sent to the server: large, as h2load's (2^30 - 1), so answers
    /// are not held back and window updates are rare.
    /// </summary>
    public int StreamWindow { get; init; } = (1 << 30) - 1;

    /// <summary>The connection's receive window, raised by one WINDOW_UPDATE after the preface.</summary>
    public int ConnectionWindow { get; init; } = (1 << 30) - 1;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Checks the server's certificate; null uses the system's trust.</summary>
    public RemoteCertificateValidationCallback? CertificateValidation { get; init; }

    /// <summary>The chain policy the certificate is checked with (a private CA's trust, say); null for the system's.</summary>
    public X509ChainPolicy? CertificateChainPolicy { get; init; }
}
