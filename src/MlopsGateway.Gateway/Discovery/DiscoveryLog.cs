using Microsoft.Extensions.Logging;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>Discovery's log events about what it read from Redis. Event ids and names are a contract.</summary>
internal static partial class DiscoveryLog
{
    [LoggerMessage(EventId = 2030, EventName = "RecordSkipped", Level = LogLevel.Warning,
        Message = "Skipped the record at {RedisKey}: {Fault}. The gateway goes on without it; fix or delete it (logged once, until it changes)")]
    public static partial void RecordSkipped(ILogger logger, string redisKey, string fault);

    [LoggerMessage(EventId = 2031, EventName = "SnapshotRebuildFailed", Level = LogLevel.Error,
        Message = "Building a snapshot from what Redis holds failed; serving from the last one until a read succeeds")]
    public static partial void SnapshotRebuildFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2032, EventName = "WorkerKeptWithoutRecord", Level = LogLevel.Information,
        Message = "The Redis record of worker {WorkerId} at {Address} is missing; the worker stays in rotation while it answers its health checks, {Limit} at most, until it registers again")]
    public static partial void WorkerKeptWithoutRecord(ILogger logger, string workerId, string address, TimeSpan limit);

    [LoggerMessage(EventId = 2033, EventName = "WorkerRecordBack", Level = LogLevel.Information,
        Message = "Worker {WorkerId} at {Address} registered again after its record was missing for {Missing}")]
    public static partial void WorkerRecordBack(ILogger logger, string workerId, string address, TimeSpan missing);

    [LoggerMessage(EventId = 2034, EventName = "WorkerDroppedWithoutRecord", Level = LogLevel.Information,
        Message = "Dropped worker {WorkerId} at {Address}, whose Redis record is missing ({Missing}): {Reason}")]
    public static partial void WorkerDroppedWithoutRecord(ILogger logger, string workerId, string address, TimeSpan missing, string reason);

    [LoggerMessage(EventId = 2036, EventName = "LegacyKeysCopied", Level = LogLevel.Warning,
        Message = "Copied what this Redis held under the keys of versions before namespaces ('mlops:...') into '{Prefix}...', once: {Keys} API keys, {Routes} routes, {AuditEntries} audit entries. The old keys are left as they were; delete them (redis-cli --scan --pattern 'mlops:*') once every role runs this version")]
    public static partial void LegacyKeysCopied(ILogger logger, int keys, int routes, int auditEntries, string prefix);
}
