using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace MlopsGateway.Gateway.Tracing;

/// <summary>
/// Puts the request path's steps inside the gateway's spans without the steps knowing: a span
/// starts when a step runs and ends when a step passes the call on, or when the call was answered
/// before that. With nothing listening to <see cref="GatewayTracing.Source"/> each wrapper is one
/// check and the step itself: no allocation, no frame.
/// </summary>
internal static class StepSpans
{
    /// <summary>A span around <paramref name="step"/>'s own work, ended when it passes the call on.</summary>
    public static Func<HttpContext, Func<Task>, Task> Of(string name, Func<HttpContext, Func<Task>, Task> step) =>
        (context, next) => GatewayTracing.Source.HasListeners() ? RunAsync(name, step, context, next, endOnNext: true) : step(context, next);

    /// <summary>A span that starts at <paramref name="step"/> and lasts until <see cref="Until"/>'s step passes the call on.</summary>
    public static Func<HttpContext, Func<Task>, Task> From(string name, Func<HttpContext, Func<Task>, Task> step) =>
        (context, next) => GatewayTracing.Source.HasListeners() ? RunAsync(name, step, context, next, endOnNext: false) : step(context, next);

    /// <summary>Ends the span <see cref="From"/> started (the current one, when named <paramref name="name"/>) as <paramref name="step"/> passes the call on.</summary>
    public static Func<HttpContext, Func<Task>, Task> Until(string name, Func<HttpContext, Func<Task>, Task> step) =>
        (context, next) => Activity.Current is { } span && span.Source == GatewayTracing.Source && span.OperationName == name
            ? step(context, () => EndThen(span, context, next))
            : step(context, next);

    /// <summary>A span around <paramref name="step"/> and everything after it (the forwarder), counting the attempts it makes.</summary>
    public static Func<HttpContext, Func<Task>, Task> Around(string name, Func<HttpContext, Func<Task>, Task> step) =>
        (context, next) => GatewayTracing.Source.HasListeners() ? AroundAsync(name, step, context, next) : step(context, next);

    private static async Task RunAsync(string name, Func<HttpContext, Func<Task>, Task> step, HttpContext context, Func<Task> next, bool endOnNext)
    {
        using var span = GatewayTracing.Source.StartActivity(name);
        if (span is null)
        {
            await step(context, next).ConfigureAwait(false);
            return;
        }
        try
        {
            await step(context, endOnNext ? () => EndThen(span, context, next) : next).ConfigureAwait(false);
        }
        finally
        {
            if (!span.IsStopped)
            {
                // The call ended inside the span: a step answered it (a refusal), or it failed.
                GatewayTracing.Finish(span, context, answered: true);
            }
        }
    }

    private static async Task AroundAsync(string name, Func<HttpContext, Func<Task>, Task> step, HttpContext context, Func<Task> next)
    {
        using var span = GatewayTracing.Source.StartActivity(name);
        if (span is null)
        {
            await step(context, next).ConfigureAwait(false);
            return;
        }
        var attempts = 0;
        try
        {
            await step(context, () =>
            {
                attempts++;
                return next();
            }).ConfigureAwait(false);
        }
        finally
        {
            if (context.GetReverseProxyFeature().ProxiedDestination is { } worker)
            {
                span.SetTag(Monitoring.TraceTags.Worker, worker.Model.Config.Address);
            }
            span.SetTag(Monitoring.TraceTags.Attempts, attempts);
            GatewayTracing.Finish(span, context, answered: false);
        }
    }

    private static Task EndThen(Activity span, HttpContext context, Func<Task> next)
    {
        GatewayTracing.Finish(span, context, answered: false);
        // Stop makes the span's parent, the server span, current again: the next span is its sibling, not its child.
        span.Stop();
        return next();
    }
}
