using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Hosting;
using MlopsGateway.Monitoring;
using MlopsGateway.Gateway;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops gateway</c>: the gateway role alone.</summary>
internal static class GatewayCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var port = ServerOptions.Port("--port", "Port to listen on.", 5000);
        var workers = TypedOptions.Addresses("--worker",
            "A static worker address, e.g. http://10.0.0.5:5001 (repeat for several), taken to serve every model. Left out: workers are discovered in Redis.");
        var jwtKey = environment.FallBack(new Option<string?>("--jwt-signing-key")
        {
            Description = "Accept JWT bearer tokens signed (HS256) with this key, at least 32 characters. Allowed models come from the 'models' claim.",
        }, CliEnvironment.JwtSigningKey);
        var jwtIssuer = new Option<string?>("--jwt-issuer") { Description = "Accept only JWTs whose 'iss' claim is this (mlops token create --issuer writes it)." };
        var jwtAudience = new Option<string?>("--jwt-audience") { Description = "Accept only JWTs whose 'aud' claim is this (mlops token create --audience writes it)." };
        var jwtMaxLifetime = ServerOptions.Duration("--jwt-max-lifetime",
            "Refuse JWTs valid for longer than this (their 'exp' further from their 'iat', or from now).", "24h", "1h, 24h");
        jwtMaxLifetime.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<DurationValue>().Value <= TimeSpan.Zero)
            {
                result.AddError("--jwt-max-lifetime must be longer than 0.");
            }
        });
        var sharedQuotas = new Option<bool>("--shared-quotas") { Description = "Count per-key quotas in Redis, shared by every gateway (one Redis call per limited request)." };
        var feedbackRate = new Option<double>("--feedback-rate")
        {
            Description = "Labels (mlops feedback send) each key or token may send per second, as many at once; over it, RESOURCE_EXHAUSTED.",
            DefaultValueFactory = _ => 100,
            HelpName = "per-second",
        }.Within(double.Epsilon, 1e9, "--feedback-rate must be above 0 labels per second, not {0}.");
        var maxRequest = new Option<long>("--max-request-bytes") { Description = "Largest request message accepted.", DefaultValueFactory = _ => 64L * 1024 * 1024 };
        var noRetryOnReset = new Option<bool>("--no-retry-on-reset")
        {
            Description = "Never send a call again after a worker died with it in flight (for custom models whose calls are not idempotent). Calls that failed before reaching a worker are still retried once.",
        };
        var retryBuffer = new Option<int>("--retry-buffer-bytes")
        {
            Description = "Largest request kept during its call so that it can be sent again, to another worker, after the first died with it in flight; larger ones are not sent again.",
            DefaultValueFactory = _ => 4 * 1024 * 1024,
        };
        var shadowGather = ServerOptions.Duration("--shadow-gather",
            "How long a shadow copy may wait for others bound for the same worker, to go out together as one request (less CPU per copy in the gateway and the worker); a window ends early once 32 copies wait. Callers never wait for it. 0 sends each at once and alone (never merged).",
            "50ms", "10ms, 0");
        var shadowCpuLimit = new Option<double>("--shadow-cpu-limit")
        {
            Description = "Percent of the CPU (the container's limit, or the machine's cores) above which shadow copies yield to callers: the share sent halves every 250 ms while the CPU stays above it, the rest counted as dropped 'busy', and climbs back once it is not. 100 never yields.",
            DefaultValueFactory = _ => 90,
            HelpName = "percent",
        };
        shadowCpuLimit.Validators.Add(result =>
        {
            var limit = result.GetValueOrDefault<double>();
            if (!(limit > 0 && limit <= 100))
            {
                result.AddError($"--shadow-cpu-limit must be above 0 and at most 100 (percent), not {limit}.");
            }
        });
        var workerSecret = SecretOptions.WorkerSecretFile("sent to the workers on every call; workers started with it refuse calls without it.");
        var redis = ServerOptions.Redis(environment);
        var redisCa = ServerOptions.RedisCa(environment);
        var metricsPort = ServerOptions.MetricsPort("--metrics-port", 9100);
        var bind = ServerOptions.Bind("0.0.0.0");
        var tlsCert = ServerOptions.TlsCertificate();
        var tlsKey = ServerOptions.TlsKey();
        var workerCa = ServerOptions.WorkerCa();
        var metricsBind = ServerOptions.MetricsBind();
        var consolePort = ServerOptions.ConsolePort();
        var verbose = ServerOptions.Verbose();
        var quality = new QualityFlags();
        var command = new Command("gateway", "Run the gateway alone: authenticates callers, routes by the models' routes in Redis and forwards OIP calls to the workers registered there.")
        {
            port, workers, redis, redisCa, metricsPort, bind, metricsBind, tlsCert, tlsKey, workerCa, jwtKey, jwtIssuer, jwtAudience, jwtMaxLifetime, workerSecret, sharedQuotas, feedbackRate, maxRequest, noRetryOnReset, retryBuffer, shadowGather, shadowCpuLimit, consolePort, verbose,
        };
        Array.ForEach(quality.All, command.Options.Add);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var tls = ServerOptions.Certificate(parse.GetValue(tlsCert), parse.GetValue(tlsKey));
            var workerSecrets = SecretOptions.Read(parse, workerSecret, environment, CliEnvironment.WorkerSecret, "WorkerSecret");
            var keys = NamespaceOption.Keys(parse, environment);
            await using var handle = await RedisHandle.OpenAsync(environment.ValueOf(parse, redis), environment.ValueOf(parse, redisCa)).ConfigureAwait(false);
            if (handle.IsEmbedded)
            {
                await Console.Out.WriteLineAsync(
                    $"No --redis given: embedded Redis at {handle.Address}. Create keys with: mlops keys create --redis {handle.Address} --name NAME; start workers with: mlops worker --models DIR --redis {handle.Address} {(workerSecrets.Count > 0 ? "--worker-secret-file FILE (this gateway's secret)" : "--insecure-no-worker-secret (this gateway sends no worker secret)")}")
                    .ConfigureAwait(false);
            }
            var address = parse.GetValue(bind)!;
            await using var app = GatewayHost.Build(new IPEndPoint(address, parse.GetValue(port)), handle.Connection,
                o =>
                {
                    o.Namespace = keys.Namespace;
                    o.Workers.AddRange((parse.GetValue(workers) ?? []).Select(w => w.OriginalString));
                    o.JwtSigningKey = environment.ValueOf(parse, jwtKey);
                    o.JwtIssuer = parse.GetValue(jwtIssuer);
                    o.JwtAudience = parse.GetValue(jwtAudience);
                    o.JwtMaxLifetime = parse.GetValue(jwtMaxLifetime).Value;
                    o.WorkerSecret = workerSecrets.Count > 0 ? workerSecrets[0] : null;
                    o.SharedQuotas = parse.GetValue(sharedQuotas);
                    o.FeedbackRate = parse.GetValue(feedbackRate);
                    o.MaxRequestBodySize = parse.GetValue(maxRequest);
                    o.RetryOnReset = !parse.GetValue(noRetryOnReset);
                    o.RetryBufferLimit = parse.GetValue(retryBuffer);
                    o.ShadowCpuLimit = parse.GetValue(shadowCpuLimit);
                    o.ShadowGatherWindow = parse.GetValue(shadowGather).Value;
                    o.WorkerCaPath = parse.GetValue(workerCa);
                    quality.Apply(parse, o);
                },
                ConsoleLogging.For(parse.GetValue(verbose)),
                new IPEndPoint(parse.GetValue(metricsBind)!, parse.GetValue(metricsPort)), tls,
                ServerOptions.ConsoleEndpoint(parse, consolePort, parse.GetValue(metricsBind)!));
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            await Console.Out.WriteLineAsync($"Gateway listening on {ServerEndpoints.GrpcAddress(app)} (metrics: {ServerEndpoints.MetricsAddress(app)}/metrics; console: {ServerOptions.Reachable(GatewayHost.ConsoleAddress(app)!)}); Ctrl-C stops it.").ConfigureAwait(false);
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
