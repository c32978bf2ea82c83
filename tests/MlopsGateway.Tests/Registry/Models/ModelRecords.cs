using System.Security.Cryptography;
using System.Text;
using MlopsGateway.Registry.Models;

namespace MlopsGateway.Tests.Registry.Models;

/// <summary>Version records for the registry's tests.</summary>
internal static class ModelRecords
{
    /// <summary>A model name no other test uses.</summary>
    public static string NewModel() => "m-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The lower-case hex SHA-256 of <paramref name="text"/>: stands in for a file's hash.</summary>
    public static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>A draft as a push makes it: version empty (the next number) unless given, READY.</summary>
    public static ModelVersionRecord Draft(string model, string bytes, string version = "", ModelStatus status = ModelStatus.Ready, string? reason = null) => new(
        model, version, Sha(bytes), bytes.Length,
        new ModelSignature([new TensorSignature("features", "FP32", [-1, 5])], [new TensorSignature("label", "INT64", [-1])]),
        "a test model", ["test"], new ModelLineage("git://example/repo", "run-7"), new Dictionary<string, double> { ["auc"] = 0.91 },
        "alice", default, status, reason, "");
}
