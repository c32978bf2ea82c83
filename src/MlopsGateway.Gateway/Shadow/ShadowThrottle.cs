using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MlopsGateway.Gateway.Shadow;

/// <summary>
/// Lets shadow copies use only the CPU that callers leave. Every <see cref="Period"/> it reads how
/// busy the CPU was: ResourceMonitoring's <c>container.cpu.limit.utilization</c>, all processes of the
/// container against its CPU limit, or of the machine against its cores where there is no limit. Above
/// <see cref="GatewayOptions.ShadowCpuLimit"/> the share of sampled copies admitted halves, down to
/// <see cref="MinShare"/>; at or below it the share climbs back by <see cref="Step"/>. A copy not
/// admitted is dropped and counted as <c>busy</c> before anything is captured, so it costs the caller
/// nothing. A saturated gateway (say, closed-loop callers at full speed) thus sends one sampled copy in
/// 64 within about two seconds, and every one again within about two once the CPU has room.
/// Yielding is logged at most once a minute, each time with the resumption that follows it; no
/// reading for 2 s (a platform ResourceMonitoring does not measure) is logged once as a warning.
/// </summary>
internal sealed class ShadowThrottle : IDisposable
{
    /// <summary>How often the CPU is read and the share adjusted.</summary>
    internal static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    /// <summary>How much the share climbs per period while the CPU is at or under the limit.</summary>
    internal const double Step = 0.125;

    /// <summary>
    /// The share never falls below this: a rollout's shadow phase is judged on the copies' answers,
    /// and with none it would hold for as long as the load lasts (seen in <c>up</c> under four
    /// closed-loop callers: 119 copies sent, 201,193 dropped). One in 64 costs callers about 1/64 of
    /// the 11-13% that unthrottled copies took (README), and at 4,500 requests/s still compares about
    /// 70 rows a second.
    /// </summary>
    internal const double MinShare = 1.0 / 64;

    // A CPU hovering at the limit would log each yield; after one is logged, the next waits this long.
    private static readonly TimeSpan s_logEvery = TimeSpan.FromMinutes(1);

    // Readings missed in a row before the gateway says that copies cannot yield here (the first may come late).
    private const int UnreadTicks = 8;

    private readonly Func<double?> _cpu;
    private readonly double _limit;
    private readonly RandomSource _random;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CpuReader? _reader;
    private readonly ITimer? _timer;
    private double _share = 1;
    private long? _yieldLogged;
    private bool _resumePending;
    private int _unread;

    /// <summary>Reads the CPU through this host's <paramref name="meters"/>, every <see cref="Period"/> of <paramref name="time"/>.</summary>
    public ShadowThrottle(IMeterFactory meters, IOptions<GatewayOptions> options, RandomSource random, ILogger<ShadowThrottle> logger, TimeProvider time)
        : this(new CpuReader(meters), options.Value.ShadowCpuLimit, random, logger, time)
    {
        _timer = _time.CreateTimer(_ => Tick(), null, Period, Period);
    }

    /// <summary>For tests: <paramref name="cpu"/> gives the percent busy (null: unknown); nothing ticks by itself.</summary>
    internal ShadowThrottle(Func<double?> cpu, double limit, RandomSource random, ILogger logger, TimeProvider? time = null)
    {
        _cpu = cpu;
        _limit = limit;
        _random = random;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    private ShadowThrottle(CpuReader reader, double limit, RandomSource random, ILogger logger, TimeProvider time)
        : this(reader.Read, limit, random, logger, time) =>
        _reader = reader;

    /// <summary>A throttle that admits every copy (a limit of 100%): nothing is read.</summary>
    public static ShadowThrottle Never(RandomSource random) => new(static () => null, 100, random, NullLogger.Instance);

    /// <summary>The share of sampled copies admitted now, from 0 to 1.</summary>
    public double Share => Volatile.Read(ref _share);

    /// <summary>Whether a sampled copy may go out now.</summary>
    public bool Admit()
    {
        var share = Share;
        return share >= 1 || _random.NextDouble() < share;
    }

    /// <summary>
    /// Reads the CPU once and adjusts the share. One timer calls it; should a late tick overlap the
    /// next, one of their two adjustments may be lost, nothing worse.
    /// </summary>
    internal void Tick()
    {
        if (_cpu() is not { } busy)
        {
            if (++_unread == UnreadTicks)
            {
                ShadowLog.ShadowCpuUnread(_logger, _limit);
            }
            return;
        }
        _unread = 0;
        var before = Share;
        var share = busy > _limit ? Math.Max(MinShare, before / 2) : Math.Min(1, before + Step);
        Volatile.Write(ref _share, share);
        if (before >= 1 && share < 1 && (_yieldLogged is not { } logged || _time.GetElapsedTime(logged) >= s_logEvery))
        {
            ShadowLog.ShadowYielding(_logger, busy, _limit);
            _yieldLogged = _time.GetTimestamp();
            _resumePending = true;
        }
        else if (before < 1 && share >= 1 && _resumePending)
        {
            ShadowLog.ShadowResumed(_logger, busy, _limit);
            _resumePending = false;
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _reader?.Dispose();
    }

    /// <summary>
    /// Observes ResourceMonitoring's CPU gauge on demand: only the one published through
    /// <c>meters</c>, the host's own, since a process may run several hosts (tests do).
    /// </summary>
    private sealed class CpuReader : IDisposable
    {
        private const string Meter = "Microsoft.Extensions.Diagnostics.ResourceMonitoring";
        private const string Instrument = "container.cpu.limit.utilization";

        private readonly MeterListener _listener = new();
        private double? _last;

        public CpuReader(IMeterFactory meters)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == Meter && instrument.Name == Instrument && ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            // The gauge is a share in [0, 1].
            _listener.SetMeasurementEventCallback<double>((_, value, _, _) => _last = value * 100);
            _listener.Start();
        }

        /// <summary>Percent busy since the last reading; null while the gauge is not published (an unsupported platform).</summary>
        public double? Read()
        {
            _last = null;
            _listener.RecordObservableInstruments();
            return _last;
        }

        public void Dispose() => _listener.Dispose();
    }
}
