using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace MlopsGateway.Tests.Perf;

/// <summary>
/// perf/gpu-reassemble.sh on a tiny bundle packed the way perf/gpu-bundle.sh packs the real one
/// (tar | gzip | split, SHA256SUMS per piece, BUNDLE.sha256 for the joined archive).
/// </summary>
public sealed class GpuReassembleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpu-reassemble-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Reassemble_IntactPieces_UnpacksTheSameFiles()
    {
        var (pieces, blob) = Pack();

        var (code, output) = Reassemble(pieces, Path.Combine(_dir, "out"));

        Assert.True(code == 0, output);
        Assert.Equal(blob, File.ReadAllBytes(Path.Combine(_dir, "out", "bundle", "blob")));
        Assert.Equal("hello\n", File.ReadAllText(Path.Combine(_dir, "out", "bundle", "perf", "x.txt")));
        Assert.Contains("4 pieces verified", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Reassemble_DamagedPiece_RefusesAndUnpacksNothing()
    {
        var (pieces, _) = Pack();
        using (var piece = File.OpenWrite(Path.Combine(pieces, "bundle.tar.gz.part-02")))
        {
            piece.Position = 10;
            piece.WriteByte(0);
        }

        var (code, output) = Reassemble(pieces, Path.Combine(_dir, "out"));

        Assert.Equal(1, code);
        Assert.Contains("bundle.tar.gz.part-02: FAILED", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
    }

    [Fact]
    public void Reassemble_PiecesListedOutOfOrder_RefusesOnTheWholeArchiveHash()
    {
        var (pieces, _) = Pack();
        // Each piece still matches its own hash; only the joined archive can tell.
        var lines = File.ReadAllLines(Path.Combine(pieces, "SHA256SUMS"));
        (lines[0], lines[1]) = (lines[1], lines[0]);
        File.WriteAllLines(Path.Combine(pieces, "SHA256SUMS"), lines);

        var (code, output) = Reassemble(pieces, Path.Combine(_dir, "out"));

        Assert.Equal(1, code);
        Assert.Contains("wrong order", output, StringComparison.Ordinal);
    }

    /// <summary>300 kB of incompressible bytes and a small file, as 4 pieces of at most 100 kB.</summary>
    private (string Pieces, byte[] Blob) Pack()
    {
        var source = Path.Combine(_dir, "src", "bundle");
        Directory.CreateDirectory(Path.Combine(source, "perf"));
        var blob = new byte[300_000];
        new Random(7).NextBytes(blob);
        File.WriteAllBytes(Path.Combine(source, "blob"), blob);
        File.WriteAllText(Path.Combine(source, "perf", "x.txt"), "hello\n");
        var pieces = Path.Combine(_dir, "pieces");
        Directory.CreateDirectory(pieces);
        var (code, output) = Bash(
            $"tar -C '{Path.Combine(_dir, "src")}' -cf - bundle | gzip -1 | split -b 100000 -d -a 2 - '{pieces}/bundle.tar.gz.part-' && cd '{pieces}' "
            + "&& sha256sum bundle.tar.gz.part-* >SHA256SUMS && echo \"$(cat bundle.tar.gz.part-* | sha256sum | cut -d' ' -f1)  bundle.tar.gz\" >BUNDLE.sha256");
        Assert.True(code == 0, output);
        Assert.Equal(4, Directory.GetFiles(pieces, "bundle.tar.gz.part-*").Length);
        return (pieces, blob);
    }

    private static (int Code, string Output) Reassemble(string pieces, string destination) =>
        Bash($"bash '{Path.Combine(RepositoryRoot(), "perf", "gpu-reassemble.sh")}' '{pieces}' '{destination}'");

    private static (int Code, string Output) Bash(string command)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "bash did not finish within 60 s: " + command);
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string RepositoryRoot([CallerFilePath] string source = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", ".."));
}
