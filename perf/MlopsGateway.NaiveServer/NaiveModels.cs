using Microsoft.ML.OnnxRuntime;

namespace MlopsGateway.NaiveServer;

/// <summary>One ONNX Runtime session per model folder, the highest numbered version, default options.</summary>
public sealed class NaiveModels : IDisposable
{
    private readonly Dictionary<string, InferenceSession> _sessions = new(StringComparer.Ordinal);

    public NaiveModels(string root, bool noModel = false)
    {
        NoModel = noModel;
        foreach (var modelDir in Directory.EnumerateDirectories(root))
        {
            var latest = Directory.EnumerateDirectories(modelDir)
                .Where(v => File.Exists(Path.Combine(v, "model.onnx")))
                .OrderBy(v => int.TryParse(Path.GetFileName(v), out var n) ? n : 0)
                .LastOrDefault();
            if (latest is not null)
            {
                _sessions[Path.GetFileName(modelDir)] = new InferenceSession(Path.Combine(latest, "model.onnx"));
            }
        }
    }

    /// <summary>Answer every ModelInfer with the first answer of its model, running no model after it.</summary>
    public bool NoModel { get; }

    public InferenceSession? Find(string name) => _sessions.GetValueOrDefault(name);

    public void Dispose()
    {
        foreach (var session in _sessions.Values)
        {
            session.Dispose();
        }
    }
}
