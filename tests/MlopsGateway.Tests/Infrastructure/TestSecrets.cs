using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Inference;
using MlopsGateway.Contracts;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// The worker and admin secrets the fixtures' workers and gateways share, as a deployment's would.
/// Every test gateway sends <see cref="Worker"/>: open workers ignore it, closed ones need it.
/// </summary>
public static class TestSecrets
{
    /// <summary>The worker secret of the fixtures' workers and gateways.</summary>
    public const string Worker = "tests-worker-secret-0123456789abcdef";

    /// <summary>A second worker secret, the one rotated in.</summary>
    public const string NextWorker = "tests-next-worker-secret-0123456789abcdef";

    /// <summary>The admin secret of the fixtures' workers.</summary>
    public const string Admin = "tests-admin-secret-0123456789abcdef";

    /// <summary>A client of the worker at <paramref name="address"/> that sends <paramref name="secret"/> (the fixtures' by default) as its gateway would.</summary>
    public static GRPCInferenceService.GRPCInferenceServiceClient WorkerClient(string address, string header = WorkerHeaders.WorkerSecret, string secret = Worker) =>
        new(GrpcChannel.ForAddress(address).Intercept(headers =>
        {
            headers.Add(header, secret);
            return headers;
        }));
}
