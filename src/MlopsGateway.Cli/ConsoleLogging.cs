using Microsoft.Extensions.Logging;

namespace MlopsGateway.Cli;

/// <summary>Console logging for the server roles: the project's events at Information, the framework's at Warning.</summary>
internal static class ConsoleLogging
{
    public static Action<ILoggingBuilder> For(bool verbose) => logging =>
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        });
        logging.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information);
        logging.AddFilter("Microsoft", verbose ? LogLevel.Information : LogLevel.Warning);
        logging.AddFilter("Grpc", LogLevel.Warning);
        logging.AddFilter("Yarp", verbose ? LogLevel.Information : LogLevel.Warning);
        // ASP.NET Core starts an Activity for every request whenever this category is enabled at any
        // level (for log scopes), and HttpClient then propagates it to the worker; it only ever logs
        // request start and finish (Information and Debug). Off unless verbose: a few percent of the
        // gateway's and the worker's CPU per request.
        logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", verbose ? LogLevel.Information : LogLevel.None);
    };
}
