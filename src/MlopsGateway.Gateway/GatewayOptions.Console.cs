namespace MlopsGateway.Gateway;

// The web console (Console/): sign-in, pages and their API on the admin listener.
public sealed partial class GatewayOptions
{
    /// <summary>How long a console sign-in lasts (the cookie and the secret the gateway keeps for it); then the person signs in again.</summary>
    public TimeSpan ConsoleSessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Console sign-in attempts allowed per client address per minute; beyond it, 429 until the minute is over.</summary>
    public int ConsoleSignInsPerMinute { get; set; } = 10;

    /// <summary>
    /// Whether the host opened a listener for the console alone (<c>--console-port</c>); otherwise
    /// the console answers on the metrics listener. Set by <see cref="GatewayHost.Build"/>.
    /// </summary>
    internal bool ConsoleOwnListener { get; set; }
}
