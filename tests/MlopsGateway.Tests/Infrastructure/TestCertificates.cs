using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Inference;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// A private CA of a test's own and server certificates it signs for 127.0.0.1 and localhost, written
/// as PEM files to a temporary folder (the CA as <see cref="CaPath"/>, the server's certificate and key
/// as <see cref="CertificatePath"/> and <see cref="KeyPath"/>), and clients that trust that CA alone.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly X509Certificate2 _authority;

    private TestCertificates(string folder, X509Certificate2 authority)
    {
        Folder = folder;
        _authority = authority;
        File.WriteAllText(CaPath, authority.ExportCertificatePem());
    }

    public string Folder { get; }

    public string CaPath => Path.Combine(Folder, "ca.pem");

    public string CertificatePath => Path.Combine(Folder, "server.pem");

    public string KeyPath => Path.Combine(Folder, "server.key");

    /// <summary>The serial number (hex) of the server certificate last written.</summary>
    public string Serial { get; private set; } = "";

    /// <summary>A new CA and a server certificate it signed, written to a new folder.</summary>
    public static TestCertificates Create()
    {
        var folder = Path.Combine(Path.GetTempPath(), "mlops-tests", "tls-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=mlops tests CA {Guid.NewGuid():N}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certificates = new TestCertificates(folder, authority);
        certificates.WriteServerCertificate();
        return certificates;
    }

    /// <summary>
    /// Writes a new server certificate (a new key, a new serial) over <see cref="CertificatePath"/> and
    /// <see cref="KeyPath"/>, as a renewal does; returns its serial.
    /// </summary>
    public string WriteServerCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_authority, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var certificate = request.Create(_authority, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(7), serial);
        File.WriteAllText(CertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
        Serial = certificate.SerialNumber;
        return Serial;
    }

    /// <summary>
    /// A protocol client on a connection of its own to <paramref name="address"/> (<c>https://</c>), trusting
    /// this CA alone; <paramref name="seen"/> gets the serial of each certificate the server shows.
    /// </summary>
    public GRPCInferenceService.GRPCInferenceServiceClient Client(string address, Action<string>? seen = null) =>
        new(GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = Handler(seen) }));

    /// <summary>A handler whose TLS trusts this CA alone (and still checks the certificate names the host), never resuming a session.</summary>
    public SocketsHttpHandler Handler(Action<string>? seen = null)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(_authority);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.CertificateChainPolicy = policy;
        // A full handshake every connection: a resumed session would show the certificate of an earlier one.
        handler.SslOptions.AllowTlsResume = false;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is not null)
            {
                seen?.Invoke(certificate.GetSerialNumberString());
            }
            return errors == SslPolicyErrors.None;
        };
        return handler;
    }

    public void Dispose()
    {
        _authority.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
