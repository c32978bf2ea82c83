namespace MlopsGateway.Gateway.Internal;

internal static class GatewayHeaders
{
    public const string ApiKey = "x-api-key";
    public const string Authorization = "authorization";
    public const string BearerPrefix = "Bearer ";
    public const string KeyIdItem = "mlops.key-id";
}
