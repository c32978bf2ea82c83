using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MlopsGateway.Monitoring;

/// <summary>
/// A server's TLS certificate and private key, read from PEM files and read again when either file
/// changes, so that a renewed certificate reaches new connections without a restart (connections
/// already open keep theirs). The certificate file may hold intermediate CA certificates after the
/// server's own; they are sent with it.
/// </summary>
public sealed class ServerCertificate
{
    private readonly Lock _gate = new();
    private Loaded _current;
    // The files' stamp when reading them last failed (half-written, say): not tried again until they change again.
    private FileStamp? _failed;

    private ServerCertificate(string certificatePath, string keyPath)
    {
        CertificatePath = certificatePath;
        KeyPath = keyPath;
        var stamp = FileStamp.Of(certificatePath, keyPath);
        _current = Load(stamp);
    }

    /// <summary>The PEM file of the certificate (and any intermediates after it).</summary>
    public string CertificatePath { get; }

    /// <summary>The PEM file of the certificate's private key.</summary>
    public string KeyPath { get; }

    /// <summary>The certificate new connections get now, read again first when its files changed.</summary>
    public X509Certificate2 Certificate => Current().Certificate;

    /// <summary>Reads <paramref name="certificatePath"/> and <paramref name="keyPath"/> now, to serve and to watch.</summary>
    /// <exception cref="InvalidOperationException">A file is missing or unreadable, or they are not a PEM certificate and its key.</exception>
    public static ServerCertificate FromPemFiles(string certificatePath, string keyPath) => new(certificatePath, keyPath);

    /// <summary>The TLS settings of one new connection: the current certificate, HTTP/2 by ALPN.</summary>
    internal SslServerAuthenticationOptions ServerOptions() => new()
    {
        ServerCertificateContext = Current().Context,
        ApplicationProtocols = [SslApplicationProtocol.Http2],
    };

    private Loaded Current()
    {
        // Two stat calls a handshake: far below the handshake's own cost, and a replaced file is seen by the very next connection.
        var stamp = FileStamp.Of(CertificatePath, KeyPath);
        var current = Volatile.Read(ref _current);
        if (stamp == current.Stamp || stamp == _failed)
        {
            return current;
        }
        lock (_gate)
        {
            if (stamp != _current.Stamp && stamp != _failed)
            {
                try
                {
                    Volatile.Write(ref _current, Load(stamp));
                }
                catch (InvalidOperationException)
                {
                    // Keep serving the last good certificate until the files are whole again.
                    _failed = stamp;
                }
            }
            return _current;
        }
    }

    private Loaded Load(FileStamp stamp)
    {
        try
        {
            var certificate = X509Certificate2.CreateFromPemFile(CertificatePath, KeyPath);
            if (OperatingSystem.IsWindows())
            {
                // SChannel cannot use the ephemeral key a PEM file gives; a PKCS#12 round trip makes it a stored one.
                certificate = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
            }
            var all = new X509Certificate2Collection();
            all.ImportFromPemFile(CertificatePath);
            var intermediates = new X509Certificate2Collection(all.Skip(1).ToArray());
            return new Loaded(stamp, certificate, SslStreamCertificateContext.Create(certificate, intermediates, offline: true));
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"Could not read the TLS certificate '{CertificatePath}' and its key '{KeyPath}' (PEM files, the key matching the certificate): {ex.Message}", ex);
        }
    }

    private sealed record Loaded(FileStamp Stamp, X509Certificate2 Certificate, SslStreamCertificateContext Context);

    private readonly record struct FileStamp(long CertificateWritten, long CertificateLength, long KeyWritten, long KeyLength)
    {
        public static FileStamp Of(string certificatePath, string keyPath)
        {
            var certificate = new FileInfo(certificatePath);
            var key = new FileInfo(keyPath);
            return new FileStamp(
                certificate.LastWriteTimeUtc.Ticks, certificate.Exists ? certificate.Length : -1,
                key.LastWriteTimeUtc.Ticks, key.Exists ? key.Length : -1);
        }
    }
}
