using MlopsGateway.Registry.Feedback;

namespace MlopsGateway.Registry;

public sealed partial class RedisKeys
{
    private FeedbackKeys? _feedback;

    /// <summary>The keys of recorded predictions, their labels and the figures made from them in this namespace.</summary>
    public FeedbackKeys Feedback => _feedback ??= new FeedbackKeys(this);
}
