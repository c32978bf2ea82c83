namespace MlopsGateway.Registry.Internal;

/// <summary>
/// What a record read from Redis must hold before a gateway uses it. Records are written by this
/// project's stores, but anyone with access to Redis can write one by hand, and a field missing
/// or out of range must not reach a snapshot (where it would throw, or misroute callers).
/// </summary>
internal static class RecordChecks
{
    /// <summary>How many characters of an API key's hash field a fault shows: enough to find it (HSCAN ... MATCH prefix*).</summary>
    private const int ShownHashLength = 12;

    public static string ApiKeyLocation(RedisKeys keys, string field) =>
        $"{keys.ApiKeys} field {(field.Length > ShownHashLength ? field[..ShownHashLength] + "…" : field)}";

    public static string RouteLocation(RedisKeys keys, string field) => $"{keys.Routes} field {field}";

    /// <summary>The first problem of a key record stored under <paramref name="field"/>; null when it is valid.</summary>
    public static string? ApiKey(string field, ApiKeyRecord record)
    {
        if (string.IsNullOrWhiteSpace(record.Id))
        {
            return "it has no id";
        }
        if (record.Name is null)
        {
            return $"key {record.Id} has no name";
        }
        if (record.Hash is null || record.Hash.Length != 64 || !record.Hash.All(char.IsAsciiHexDigitLower))
        {
            return $"key {record.Id} has no hash (64 lower-case hex digits)";
        }
        if (record.Hash != field)
        {
            return $"key {record.Id} is stored under a field other than its hash";
        }
        if (record.Models is null || record.Models.Count == 0 || record.Models.Any(string.IsNullOrEmpty))
        {
            return $"key {record.Id} names no models (use [\"*\"] for every model)";
        }
        if (record.RatePerSecond is { } rate && (double.IsNaN(rate) || rate <= 0))
        {
            return $"key {record.Id} has a rate of {rate}, not a positive number of requests per second";
        }
        if (record.Burst is < 1)
        {
            return $"key {record.Id} has a burst of {record.Burst}, not at least 1";
        }
        if (record.MaxInFlight is < 1)
        {
            return $"key {record.Id} has a max_in_flight of {record.MaxInFlight}, not at least 1";
        }
        if (record.Scopes is not null && KeyScopes.Problem(record.Scopes) is { } scopes)
        {
            // A scope this version does not know could be one a later version grants more with: refused, not ignored.
            return $"key {record.Id} has scopes this gateway cannot grant: {scopes}";
        }
        return null;
    }

    /// <summary>The first problem of a route stored under <paramref name="field"/>; null when it is valid.</summary>
    public static string? Route(string field, RouteRecord route)
    {
        if (route.Model != field)
        {
            return route.Model is null ? "it names no model" : $"it names model '{route.Model}' but is stored under '{field}'";
        }
        if (route.Canary is { Length: 0 } || route.Shadow is { Length: 0 })
        {
            return "its canary or shadow version is empty (leave it out for none)";
        }
        var errors = RouteValidator.Validate(route, [], requireRegisteredWorkers: false);
        return errors.Count > 0 ? string.Join(" ", errors) : null;
    }

    /// <summary>The first problem of a worker record stored for worker <paramref name="id"/>; null when it is valid.</summary>
    public static string? Worker(string id, WorkerRecord record)
    {
        if (record.Id != id)
        {
            return record.Id is null ? "it has no id" : $"its id '{record.Id}' is not the one it is registered under";
        }
        if (id.StartsWith("static-", StringComparison.Ordinal))
        {
            // Static workers' destinations are named static-0, static-1, ...
            return "its id starts with 'static-', which the gateway keeps for static workers";
        }
        if (WorkerAddress(record.Address) is { } problem)
        {
            return problem;
        }
        if (record.Models is null || record.Models.Any(m => m is null || string.IsNullOrEmpty(m.Model) || string.IsNullOrEmpty(m.Version)))
        {
            return "its models are missing, or one lacks a model name or version";
        }
        return record.Load is null ? null : WorkerLoad(record.Load);
    }

    /// <summary>The first problem of a worker's load figures: each names a version and holds non-negative, finite numbers.</summary>
    private static string? WorkerLoad(IReadOnlyList<VersionLoad> load)
    {
        foreach (var entry in load)
        {
            if (entry is null || string.IsNullOrEmpty(entry.Model) || string.IsNullOrEmpty(entry.Version))
            {
                return "one of its load entries lacks a model name or version";
            }
            var label = $"its load for {entry.Model} {entry.Version}";
            if (entry.QueueDepth < 0 || entry.Batches < 0 || entry.MaxBatchSize < 0)
            {
                return $"{label} has a negative queue_depth, batches or max_batch_size ({entry.QueueDepth}, {entry.Batches}, {entry.MaxBatchSize})";
            }
            if (!double.IsFinite(entry.MeanBatchSize) || entry.MeanBatchSize < 0)
            {
                return $"{label} has a mean_batch_size of {entry.MeanBatchSize}, not a finite number at least 0";
            }
        }
        return null;
    }

    /// <summary>Why <paramref name="address"/> cannot be a worker's, or null: an absolute http or https URL, no user info, path, query or fragment.</summary>
    public static string? WorkerAddress(string? address)
    {
        if (string.IsNullOrEmpty(address))
        {
            return "it has no address";
        }
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return "its address is not an http:// or https:// URL";
        }
        if (uri.UserInfo.Length > 0)
        {
            // Not echoed: user info is credentials.
            return "its address carries user info (credentials), which a worker address must not";
        }
        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            return $"its address {uri.GetLeftPart(UriPartial.Authority)} has a path, query or fragment; give scheme, host and port only";
        }
        return null;
    }
}
