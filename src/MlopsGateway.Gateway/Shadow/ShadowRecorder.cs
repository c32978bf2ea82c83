using System.Globalization;
using Grpc.Core;
using Inference;
using MlopsGateway.Gateway.Routing;
using MlopsGateway.Gateway.Telemetry;
using MlopsGateway.Gateway.Tracing;
using Microsoft.Extensions.Logging;

namespace MlopsGateway.Gateway.Shadow;

/// <summary>
/// Records one copy's outcome: the shadow's status (<c>mlops.gateway.shadow.sent</c>), and for an
/// answer, how it differs from the primary's (<see cref="OutputComparer"/>); a copy that failed or
/// could not be compared is logged (<c>ShadowFailed</c>); compared classifier rows count in the shadow
/// version's <see cref="CallTelemetry"/>. Nothing here can reach the caller.
/// </summary>
internal sealed class ShadowRecorder(GatewayMetrics metrics, CallTelemetry telemetry, ILogger<ShadowRecorder> logger)
{
    /// <summary>Records a copy's answer, or with <paramref name="answer"/> null, why there is none.</summary>
    public void Record(ShadowWork work, ModelStreamInferResponse? answer, string? failure)
    {
        ShadowTracing.End(work.Span, answer);
        try
        {
            if (answer is null)
            {
                metrics.ShadowSent(work.Model, work.Primary, work.Shadow, "error");
                ShadowLog.ShadowFailed(logger, work.Model, work.Shadow, failure ?? "no answer");
                return;
            }
            if (answer.ErrorMessage.Length > 0)
            {
                metrics.ShadowSent(work.Model, work.Primary, work.Shadow, StatusOf(answer.ErrorMessage));
                ShadowLog.ShadowFailed(logger, work.Model, work.Shadow, answer.ErrorMessage);
                return;
            }
            metrics.ShadowSent(work.Model, work.Primary, work.Shadow, "0");
            var primary = ModelInferResponse.Parser.ParseFrom(work.PrimaryAnswer.Span[GrpcRequestPeek.HeaderLength..]);
            var comparison = OutputComparer.Compare(primary, answer.InferResponse);
            metrics.ShadowCompared(work.Model, work.Primary, work.Shadow, comparison);
            // The rows are the shadow version's evidence (issue 24's disagreement criterion judges the canary run as a shadow).
            telemetry.Compared(work.Model, work.Shadow, comparison.Rows, comparison.RowsAgreeing);
        }
        catch (Exception ex) when (ex is Google.Protobuf.InvalidProtocolBufferException or ArgumentException)
        {
            ShadowLog.ShadowFailed(logger, work.Model, work.Shadow, "the answers could not be compared: " + ex.Message);
        }
    }

    /// <summary>The numeric gRPC status of a stream error, which the worker writes as <c>NotFound: ...</c>.</summary>
    internal static string StatusOf(string errorMessage)
    {
        var colon = errorMessage.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && Enum.TryParse<StatusCode>(errorMessage.AsSpan(0, colon), out var code) && Enum.IsDefined(code)
            ? ((int)code).ToString(CultureInfo.InvariantCulture)
            : "error";
    }
}
