using MlopsGateway.Worker;

namespace MlopsGateway.Tests.Worker;

public sealed class WorkerOptionsValidatorTests
{
    [Fact]
    public void Validate_EverySettingWrong_ListsEveryProblemAtOnce()
    {
        var missing = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"));

        var result = new WorkerOptionsValidator().Validate(null, new WorkerOptions
        {
            ModelRepository = missing,
            MaxReceiveMessageSize = 0,
            MaxSendMessageSize = -1,
            DrainDelay = TimeSpan.FromSeconds(-1),
        });

        Assert.True(result.Failed);
        Assert.Equal(
            [
                $"ModelRepository: the folder '{missing}' does not exist.",
                "MaxReceiveMessageSize: must be positive, not 0.",
                "MaxSendMessageSize: must be positive, not -1.",
                "DrainDelay: must not be negative, not -00:00:01.",
            ],
            result.Failures);
    }

    [Fact]
    public void Validate_Defaults_SucceedWhenTheFolderExists()
    {
        var result = new WorkerOptionsValidator().Validate(null, new WorkerOptions { ModelRepository = Path.GetTempPath() });

        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Validate_ThreeOrWeakSecrets_RefusedWithoutNamingThem()
    {
        var result = new WorkerOptionsValidator().Validate(null, new WorkerOptions
        {
            ModelRepository = Path.GetTempPath(),
            WorkerSecrets = ["short-secret", new string('a', 32), "with a space in it 0123456789abcdef"],
            AdminSecrets = [new string('b', 32), new string('c', 40)],
        });

        Assert.True(result.Failed);
        Assert.Equal(
            [
                "WorkerSecrets: at most two at once (the current and the next), not 3.",
                "WorkerSecrets: secret 1 must be at least 32 characters, not 12.",
                "WorkerSecrets: secret 3 must be printable ASCII without spaces (it is sent as a header).",
            ],
            result.Failures);
    }
}
