using MlopsGateway.Worker.Registration;

namespace MlopsGateway.Tests.Worker.Registration;

public sealed class WorkerRegistrationOptionsValidatorTests
{
    [Fact]
    public void Validate_EverySettingWrong_ListsEveryProblemAtOnce()
    {
        var result = new WorkerRegistrationOptionsValidator().Validate(null, new WorkerRegistrationOptions
        {
            AdvertiseAddress = "tcp://worker:5001",
            WorkerId = "a b",
            HeartbeatInterval = TimeSpan.Zero,
            Ttl = TimeSpan.Zero,
        });

        Assert.True(result.Failed);
        Assert.Equal(
            [
                "AdvertiseAddress: 'tcp://worker:5001' is not an http:// or https:// address.",
                "WorkerId: 'a b' must be non-empty, without spaces or ':'.",
                "HeartbeatInterval: must be positive, not 00:00:00.",
                "Ttl: must be longer than HeartbeatInterval (00:00:00), not 00:00:00; three heartbeats is usual.",
            ],
            result.Failures);
    }

    [Fact]
    public void Validate_Defaults_Succeed() =>
        Assert.True(new WorkerRegistrationOptionsValidator().Validate(null, new WorkerRegistrationOptions()).Succeeded);
}
