using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using StackExchange.Redis;

namespace MlopsGateway.Registry;

/// <summary>
/// Redis connection strings as people write them: StackExchange.Redis's own form
/// (<c>host:6379,password=...,ssl=true</c>) or a URI (<c>redis://user:password@host:6379/0</c>,
/// <c>rediss://</c> for TLS), and the one way they are made fit to print or log. Either form may name
/// several nodes (a Redis Cluster's): <c>10.0.0.1:6379,10.0.0.2:6379,password=...</c> or
/// <c>rediss://:PASSWORD@10.0.0.1:6380,10.0.0.2:6380</c>; the client finds the rest of the cluster from them.
/// </summary>
public static partial class RedisConnectionString
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Mask = "*****";

    private const int DefaultPort = 6379;

    /// <summary>
    /// The options <paramref name="text"/> sets. StackExchange.Redis reads only its own form, and would
    /// take a URI for a host name; a <c>redis://</c> or <c>rediss://</c> URI is read here, its user,
    /// password and database taken from it, <c>rediss</c> turning TLS on.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="text"/> is neither form; the message holds no secret.</exception>
    public static ConfigurationOptions Parse(string text)
    {
        if (!UriScheme().IsMatch(text))
        {
            return ConfigurationOptions.Parse(text);
        }
        // Several hosts (rediss://:pw@h1:6380,h2:6380/0): the first is read with the rest of the URI, the others added to it.
        var hosts = UriHosts().Match(text);
        var others = hosts.Success ? hosts.Groups["hosts"].Value.Split(',', StringSplitOptions.TrimEntries) : [];
        if (others.Length > 1)
        {
            text = hosts.Groups["head"].Value + others[0] + hosts.Groups["tail"].Value;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0
            || (uri.Scheme != "redis" && uri.Scheme != "rediss"))
        {
            throw new ArgumentException($"'{Redact(text)}' is not a redis:// or rediss:// address, e.g. rediss://:PASSWORD@host:6379/0.", nameof(text));
        }
        var options = new ConfigurationOptions { Ssl = uri.Scheme == "rediss" };
        AddEndPoint(options, uri);
        foreach (var other in others.Skip(1))
        {
            AddEndPoint(options, Uri.TryCreate(uri.Scheme + "://" + other, UriKind.Absolute, out var node) && node.Host.Length > 0
                ? node
                : throw new ArgumentException($"'{Redact(text)}' names host '{other}', which is not host:port.", nameof(text)));
        }
        if (uri.UserInfo.Length > 0)
        {
            var separator = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            // redis://secret@host carries only a password (Redis before ACLs had no users).
            var user = separator < 0 ? "" : Uri.UnescapeDataString(uri.UserInfo[..separator]);
            var password = Uri.UnescapeDataString(separator < 0 ? uri.UserInfo : uri.UserInfo[(separator + 1)..]);
            options.User = user.Length > 0 ? user : null;
            options.Password = password.Length > 0 ? password : null;
        }
        var database = uri.AbsolutePath.Trim('/');
        if (database.Length > 0)
        {
            options.DefaultDatabase = int.TryParse(database, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw new ArgumentException($"'{Redact(text)}' names database '{database}'; give a number, e.g. /0.", nameof(text));
        }
        return options;
    }

    private static void AddEndPoint(ConfigurationOptions options, Uri uri)
    {
        var port = uri.Port < 0 ? DefaultPort : uri.Port;
        if (IPAddress.TryParse(uri.DnsSafeHost, out var address))
        {
            options.EndPoints.Add(address, port);
        }
        else
        {
            options.EndPoints.Add(uri.DnsSafeHost, port);
        }
    }

    /// <summary>
    /// <paramref name="text"/> with every password it holds masked: <c>password=</c> (and
    /// <c>sentinelPassword=</c>) values, and the password of any <c>scheme://user:password@</c>
    /// (<c>redis://</c>, <c>rediss://</c>, and others alike). Text that is not a connection string
    /// (an error message quoting one, say) is masked the same way; it never throws.
    /// </summary>
    public static string Redact(string text)
    {
        var masked = PasswordOption().Replace(text, m => m.Groups["key"].Value + Mask);
        return UserInfo().Replace(masked, m => m.Groups["user"].Success
            ? m.Groups["scheme"].Value + m.Groups["user"].Value + ":" + Mask + "@"
            : m.Groups["scheme"].Value + Mask + "@");
    }

    /// <summary>
    /// <paramref name="message"/> (an exception's, say) with the secrets of <paramref name="connectionString"/>
    /// masked wherever they appear in it, quoted or not, besides everything <see cref="Redact(string)"/> masks.
    /// </summary>
    public static string Redact(string message, string connectionString)
    {
        var redacted = Redact(message);
        foreach (var secret in Secrets(connectionString))
        {
            redacted = redacted.Replace(secret, Mask, StringComparison.Ordinal);
        }
        return redacted;
    }

    private static IEnumerable<string> Secrets(string connectionString)
    {
        string?[] secrets;
        try
        {
            var options = Parse(connectionString);
            secrets = [options.Password, options.SentinelPassword];
        }
        catch (ArgumentException)
        {
            // Unreadable: mask what looks like a password in it instead.
            secrets = [.. PasswordOption().Matches(connectionString).Select(m => m.Groups["value"].Value)];
        }
        // A one-character password would mask every such character of the message; it is masked where quoted whole only.
        return secrets.Where(s => s is { Length: > 1 }).Select(s => s!);
    }

    [GeneratedRegex(@"^\s*[a-z][a-z0-9+.-]*://", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UriScheme();

    [GeneratedRegex(@"^(?<head>\s*[a-z][a-z0-9+.-]*://(?:[^@/]*@)?)(?<hosts>[^/?#]*)(?<tail>.*)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex UriHosts();

    [GeneratedRegex(@"(?<key>(?<![a-z0-9])(?:sentinel)?password\s*=\s*)(?<value>[^,\s'""]*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PasswordOption();

    [GeneratedRegex(@"(?<scheme>\b[a-z][a-z0-9+.-]*://)(?:(?<user>[^:@/\s'""]*):)?[^@/\s'""]+@", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UserInfo();
}
