using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Cli;

/// <summary>The TLS options of the server roles: a role given half a pair, or files it cannot read, does not start and says which.</summary>
public class TlsOptionsTests
{
    [Fact]
    public async Task Gateway_CertificateWithoutKey_RefusedNamingBothOptions()
    {
        using var certificates = TestCertificates.Create();

        var (exit, _, error) = await CliRunner.RunAsync("gateway", "--bind", "127.0.0.1", "--port", "0", "--metrics-port", "0",
            "--tls-cert", certificates.CertificatePath);

        Assert.Equal(1, exit);
        Assert.Equal("mlops gateway: not started; fix these settings: TLS (--tls-cert and --tls-key): give both the certificate and its key, or neither.",
            error.Trim());
    }

    [Fact]
    public async Task Worker_KeyOfAnotherCertificate_RefusedNamingTheFiles()
    {
        using var certificates = TestCertificates.Create();
        using var other = TestCertificates.Create();
        var models = Directory.CreateTempSubdirectory("mlops-cli-");
        try
        {
            var (exit, _, error) = await CliRunner.RunAsync("worker", "--insecure-no-worker-secret", "--models", models.FullName, "--bind", "127.0.0.1", "--port", "0",
                "--metrics-port", "0", "--tls-cert", certificates.CertificatePath, "--tls-key", other.KeyPath);

            Assert.Equal(1, exit);
            Assert.StartsWith("mlops worker: not started; fix these settings: TLS (--tls-cert and --tls-key): Could not read the TLS certificate", error);
            Assert.Contains(other.KeyPath, error);
        }
        finally
        {
            models.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Gateway_WorkerCaMissing_RefusedNamingTheOption()
    {
        var missing = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"), "ca.pem");

        var (exit, _, error) = await CliRunner.RunAsync("gateway", "--bind", "127.0.0.1", "--port", "0", "--metrics-port", "0",
            "--worker-ca", missing);

        Assert.Equal(1, exit);
        Assert.Contains("WorkerCaPath (--worker-ca): ", error);
        Assert.Contains(missing, error);
    }
}
