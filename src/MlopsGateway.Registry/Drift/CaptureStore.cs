using System.Text.Json;
using MlopsGateway.Registry.Internal;
using MlopsGateway.Registry.Models;
using StackExchange.Redis;

namespace MlopsGateway.Registry.Drift;

/// <summary>
/// Baseline captures in Redis: the open requests (<see cref="DriftKeys.Captures"/>), and per version
/// the rows workers copied from its traffic (<see cref="DriftKeys.CaptureRows"/>), never more than asked for.
/// </summary>
public sealed class CaptureStore
{
    // A capture nobody finishes (the command stopped) does not stay for ever.
    private static readonly TimeSpan s_captureTtl = TimeSpan.FromDays(2);

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;

    /// <summary>The captures in <paramref name="redis"/>, in namespace <paramref name="keys"/> (the default one when null).</summary>
    public CaptureStore(IConnectionMultiplexer redis, RedisKeys? keys = null)
    {
        _redis = redis;
        _keys = keys ?? RedisKeys.Default;
    }

    /// <summary>Opens <paramref name="request"/>, dropping rows an earlier capture of the version left.</summary>
    /// <exception cref="ArgumentException">The request names no valid model or version, or asks for no rows or too many.</exception>
    public async Task RequestAsync(CaptureRequest request)
    {
        if (Check(Field(request.Model, request.Version), request) is { } problem)
        {
            throw new ArgumentException(problem, nameof(request));
        }
        var transaction = _redis.GetDatabase().CreateTransaction();
        _ = transaction.KeyDeleteAsync(_keys.Drift.CaptureRows(request.Model, request.Version));
        _ = transaction.KeyDeleteAsync(_keys.Drift.CaptureSource(request.Model, request.Version));
        _ = transaction.HashSetAsync(_keys.Drift.Captures, Field(request.Model, request.Version), JsonSerializer.Serialize(request));
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    /// <summary>The open requests; one that cannot be used is skipped with its fault.</summary>
    public async Task<RecordsRead<CaptureRequest>> ListAsync()
    {
        var entries = await _redis.GetDatabase().HashGetAllAsync(_keys.Drift.Captures).ConfigureAwait(false);
        var (records, faults) = RedisJson.ReadFields<CaptureRequest>(entries, field => $"{_keys.Drift.Captures} field {field}", Check);
        return new RecordsRead<CaptureRequest>(records, faults);
    }

    /// <summary>
    /// Appends <paramref name="rows"/> to the version's capture, keeping only its first
    /// <paramref name="limit"/> rows (several workers append at once); returns how many it holds now.
    /// </summary>
    public async Task<long> AppendAsync(string model, string version, IReadOnlyList<CapturedRow> rows, int limit)
    {
        var key = _keys.Drift.CaptureRows(model, version);
        var db = _redis.GetDatabase();
        if (rows.Count == 0)
        {
            return await db.ListLengthAsync(key).ConfigureAwait(false);
        }
        var batch = db.CreateBatch();
        var pushed = batch.ListRightPushAsync(key, [.. rows.Select(r => (RedisValue)JsonSerializer.Serialize(r))]);
        var trimmed = batch.ListTrimAsync(key, 0, limit - 1);
        _ = batch.KeyExpireAsync(key, s_captureTtl);
        var length = batch.ListLengthAsync(key);
        batch.Execute();
        await Task.WhenAll(pushed, trimmed).ConfigureAwait(false);
        return await length.ConfigureAwait(false);
    }

    /// <summary>Records what the version's rows are captured from (the last worker to open a capture says it).</summary>
    public Task DescribeAsync(string model, string version, CaptureSource source) =>
        _redis.GetDatabase().StringSetAsync(_keys.Drift.CaptureSource(model, version), JsonSerializer.Serialize(source), s_captureTtl);

    /// <summary>What the version's rows are captured from; null when no worker said yet.</summary>
    /// <exception cref="InvalidDataException">The record cannot be used; the message names its key.</exception>
    public async Task<CaptureSource?> SourceAsync(string model, string version)
    {
        var key = _keys.Drift.CaptureSource(model, version);
        var value = await _redis.GetDatabase().StringGetAsync(key).ConfigureAwait(false);
        if (!RedisJson.TryRead<CaptureSource>(value, out var source, out var fault))
        {
            throw new InvalidDataException($"{key}: {fault}");
        }
        if (source is not null && (string.IsNullOrEmpty(source.Input) || source.Features < 1 || source.Classes is null
            || source.Prediction is not (CaptureSource.ClassPrediction or CaptureSource.ValuePrediction or CaptureSource.NoPrediction)))
        {
            throw new InvalidDataException($"{key}: it names no input, no features, or a prediction other than class, value or none");
        }
        return source;
    }

    /// <summary>How many rows the version's capture holds.</summary>
    public Task<long> CountAsync(string model, string version) => _redis.GetDatabase().ListLengthAsync(_keys.Drift.CaptureRows(model, version));

    /// <summary>The rows captured for the version, each with as many features as <paramref name="features"/>; others are skipped with a fault.</summary>
    public async Task<RecordsRead<CapturedRow>> ReadRowsAsync(string model, string version, int features)
    {
        var key = _keys.Drift.CaptureRows(model, version);
        var values = await _redis.GetDatabase().ListRangeAsync(key).ConfigureAwait(false);
        var rows = new List<CapturedRow>(values.Length);
        var faults = new List<RecordFault>();
        for (var i = 0; i < values.Length; i++)
        {
            if (!RedisJson.TryRead<CapturedRow>(values[i], out var row, out var fault) || row is null)
            {
                faults.Add(new RecordFault($"{key} index {i}", fault ?? "it is empty"));
            }
            else if (row.Features is null || row.Features.Count != features)
            {
                faults.Add(new RecordFault($"{key} index {i}", $"it has {row.Features?.Count ?? 0} features, not the input's {features}"));
            }
            else
            {
                rows.Add(row);
            }
        }
        return new RecordsRead<CapturedRow>(rows, faults);
    }

    /// <summary>Closes the version's capture and drops its rows.</summary>
    public async Task ClearAsync(string model, string version)
    {
        var transaction = _redis.GetDatabase().CreateTransaction();
        _ = transaction.HashDeleteAsync(_keys.Drift.Captures, Field(model, version));
        _ = transaction.KeyDeleteAsync(_keys.Drift.CaptureRows(model, version));
        _ = transaction.KeyDeleteAsync(_keys.Drift.CaptureSource(model, version));
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    private static string Field(string model, string version) => $"{model}:{version}";

    private static string? Check(string field, CaptureRequest request)
    {
        if ((ModelNames.CheckModel(request.Model) ?? ModelNames.CheckVersion(request.Version)) is { } name)
        {
            return name;
        }
        if (field != Field(request.Model, request.Version))
        {
            return $"it names {request.Model} version {request.Version} but is stored under '{field}'";
        }
        return request.Rows is < 1 or > CaptureRequest.MaxRows ? $"it asks for {request.Rows} rows, not 1 to {CaptureRequest.MaxRows}" : null;
    }
}
