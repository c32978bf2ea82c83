"""Interleaved shadow on/off blocks for perf/shadow-cost.sh.

  python3 perf/shadow_blocks.py toggle REDIS_PORT MODEL OFF_JSON ON_JSON PAIRS BLOCK_S SEED OUT PID...
      Flips the model's route between two saved versions (HSET + PUBLISH, as `mlops rollout` does,
      without starting a process per change), one block of BLOCK_S seconds each, the order within each
      pair of blocks drawn at random (seeded) so that no periodic disturbance favours one setting.
      Writes one line per block boundary: epoch seconds, setting (off, on, end: back to off), then the CPU ticks
      (user + system) of each PID.

  python3 perf/shadow_blocks.py phases REDIS_PORT MODEL OFF_JSON ON_JSON PAIRS PHASE_S SEED METRICS_URL NAME... -- PID...
      Sets the route "off" and "on" in turn (the order within each pair drawn at random, seeded), each
      for a phase of PHASE_S seconds after 1 s to settle, and reads each process's CPU time and its
      threads' voluntary and involuntary context switches (/proc) and the gateway's requests so far
      (mlops_gateway_requests_total at METRICS_URL) at both ends of each phase. Prints them per
      request per phase, then what a copy adds: on minus off per pair, the mean over pairs with its
      standard error. Steadier than CPU per request from blocks, because each phase is longer; the
      callers' latency is not measured. A thread that ends within a phase takes its switches with it,
      so such a phase reads low (even below zero): look for it in the per-phase lines.

  python3 perf/shadow_blocks.py gcpoll OUT URL...
      Reads each server's collections and pause time so far (the runtime's meter on its /metrics) every
      0.25 s until stopped. Writes one line per read: epoch seconds, then per URL the collections and
      the pause seconds.

  python3 perf/shadow_blocks.py report BLOCKS REQUEST_LOG GUARD_S RESAMPLES [GC_FILE NAME...]
      Assigns each request (`mlops loadtest --log-file`, or h2load's) to the block its start falls in, skipping the first
      GUARD_S of every block (the route reaching the gateway, the previous block's copies draining),
      pools every request per setting, and prints p50/p99 per setting, CPU per request per process,
      and the change with a 95% interval from resampling whole pairs of blocks; then the median over
      pairs of each pair's own p99 change, which a few stalled blocks cannot decide alone. With a
      GC_FILE from gcpoll (one NAME per URL polled), also how many blocks of each setting a collection
      of each server fell in, and the median over the pairs that none fell in.
"""
import bisect
import os
import random
import socket
import statistics
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from h2load_log import percentile  # noqa: E402


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def cpu_ticks(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def route_setter(port, model, off_json, on_json):
    """A function that writes the saved "off" or "on" route to Redis and publishes the change."""
    routes = {"off": open(off_json, "rb").read().strip(), "on": open(on_json, "rb").read().strip()}
    sock = socket.create_connection(("127.0.0.1", port))
    reader = sock.makefile("rb")

    def set_route(setting):
        sock.sendall(resp("HSET", "mlops:routes", model, routes[setting]) + resp("PUBLISH", "mlops:routes:changed", model))
        reader.readline(), reader.readline()
    return set_route


def pair_order(pairs, seed):
    rng = random.Random(seed)
    order = []
    for _ in range(pairs):
        pair = ["off", "on"]
        rng.shuffle(pair)
        order += pair
    return order


def toggle(port, model, off_json, on_json, pairs, block_s, seed, out, pids):
    set_route = route_setter(port, model, off_json, on_json)
    order = pair_order(pairs, seed)
    start = time.time() + 0.2
    with open(out, "w") as f:
        for i, setting in enumerate(order + ["end"]):
            time.sleep(max(0.0, start + i * block_s - time.time()))
            # After the last block the route goes back to no shadow, so copies are only sent in "on" blocks.
            set_route("on" if setting == "on" else "off")
            f.write(" ".join([f"{time.time():.6f}", setting] + [str(cpu_ticks(p)) for p in pids]) + "\n")
            f.flush()


def switches(pid):
    """Voluntary and involuntary context switches so far, summed over the process's threads now alive
    (Linux keeps an ended thread's count only for the process itself to read)."""
    voluntary = involuntary = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            for line in open(f"/proc/{pid}/task/{task}/status"):
                if line.startswith("voluntary_ctxt_switches"):
                    voluntary += int(line.split()[1])
                elif line.startswith("nonvoluntary_ctxt_switches"):
                    involuntary += int(line.split()[1])
        except OSError:
            pass  # the thread ended between the listing and the read
    return voluntary, involuntary


def metric_sums(url, *names):
    """Each named metric so far, summed over its labelled series, from one read of a server's /metrics."""
    sums = dict.fromkeys(names, 0.0)
    for line in urllib.request.urlopen(url, timeout=2).read().decode().splitlines():
        name = line.split("{", 1)[0]
        if name in sums:
            sums[name] += float(line.split()[-1])
    return [sums[name] for name in names]


def phases(port, model, off_json, on_json, pairs, phase_s, seed, metrics_url, names, pids):
    set_route = route_setter(port, model, off_json, on_json)
    hz = os.sysconf("SC_CLK_TCK")
    measures = [f"{name} {what}" for name in names for what in ("CPU us", "voluntary", "involuntary")]

    def read():
        return metric_sums(metrics_url, "mlops_gateway_requests_total") + [
            x for p in pids for x in (cpu_ticks(p) / hz * 1e6, *switches(p))]

    order = pair_order(pairs, seed)
    per_pair = []
    for k in range(pairs):
        row = {}
        for setting in order[2 * k: 2 * k + 2]:
            set_route(setting)
            time.sleep(1.0)  # the route reaching the gateway, the other setting's copies draining
            before = read()
            time.sleep(phase_s)
            after = read()
            served = after[0] - before[0]
            row[setting] = [(b - a) / served for a, b in zip(before[1:], after[1:])]
            print(f"pair {k + 1:>3} {setting:>3}: {served:.0f} requests; per request "
                  + ", ".join(f"{m} {v:.2f}" for m, v in zip(measures, row[setting])), flush=True)
        per_pair.append(row)
    set_route("off")
    print(f"per copy (on minus off, mean over {pairs} pairs, with its standard error), against shadow off:")
    for i, measure in enumerate(measures):
        changes = [r["on"][i] - r["off"][i] for r in per_pair]
        error = statistics.stdev(changes) / len(changes) ** 0.5 if len(changes) > 1 else float("nan")
        print(f"  {measure:>28}: {statistics.mean(r['off'][i] for r in per_pair):9.2f} per request, "
              f"{statistics.mean(changes):+8.2f} per copy (standard error {error:.2f})")


def gcpoll(out, urls):
    with open(out, "w") as f:
        while True:
            t = time.time()
            try:
                # The runtime's meter: collections and pause seconds so far.
                totals = [metric_sums(url, "dotnet_gc_collections_total", "dotnet_gc_pause_time_seconds_total") for url in urls]
            except OSError:
                totals = None  # a server busy past the timeout: the next read covers it
            if totals:
                f.write(" ".join([f"{t:.6f}"] + [f"{c:.0f} {p:.6f}" for c, p in totals]) + "\n")
                f.flush()
            time.sleep(max(0.0, t + 0.25 - time.time()))


def collections(gc_path, names, starts):
    """Per server name: the blocks a collection may have fallen in (any block overlapping the two
    reads between which the count rose), and the pauses in ms."""
    reads = [[float(x) for x in line.split()] for line in open(gc_path) if line.strip()]
    hits, pauses = {}, {}
    for k, name in enumerate(names):
        hit, ms = set(), []
        for a, b in zip(reads, reads[1:]):
            if b[1 + 2 * k] > a[1 + 2 * k]:
                ms.append(1000 * (b[2 + 2 * k] - a[2 + 2 * k]))
                first = max(0, bisect.bisect_right(starts, a[0]) - 1)
                last = bisect.bisect_right(starts, b[0]) - 1
                hit.update(range(first, last + 1))
        hits[name], pauses[name] = hit, ms
    return hits, pauses


def report(blocks_path, log_path, guard_s, resamples, gc_path=None, gc_names=()):
    rows = [line.split() for line in open(blocks_path)]
    starts = [float(r[0]) * 1e6 for r in rows]
    settings = [r[1] for r in rows]
    ticks = [[int(x) for x in r[2:]] for r in rows]
    nblocks = len(rows) - 1
    per_block = [[] for _ in range(nblocks)]
    counted = [0] * nblocks
    for line in open(log_path):
        parts = line.split("\t")
        if len(parts) < 3:
            continue
        t, status, lat = int(parts[0]), parts[1], int(parts[2])
        i = bisect.bisect_right(starts, t) - 1
        if i < 0 or i >= nblocks:
            continue
        counted[i] += 1
        if status not in ("0", "200"):  # gRPC OK (mlops loadtest) or HTTP 200 (h2load)
            print(f"request due at {t} us failed with status {status}", file=sys.stderr)
        if t >= starts[i] + guard_s * 1e6:
            per_block[i].append(lat)

    def pooled(indices):
        lat = sorted(x for i in indices for x in per_block[i])
        return percentile(lat, 50), percentile(lat, 99), len(lat)

    by = {s: [i for i in range(nblocks) if settings[i] == s] for s in ("off", "on")}
    hz = os.sysconf("SC_CLK_TCK")
    names = ["worker", "gateway", "shadow worker"][: len(ticks[0])]
    result = {}
    for s in ("off", "on"):
        p50, p99, n = pooled(by[s])
        reqs = sum(counted[i] for i in by[s])
        cpu = [sum(ticks[i + 1][k] - ticks[i][k] for i in by[s]) / hz / reqs * 1e6 for k in range(len(names))]
        result[s] = (p50, p99)
        print(f"shadow {s:>3}: {len(by[s])} blocks, {n} requests measured, p50 {p50} us, p99 {p99} us; CPU per request: "
              + ", ".join(f"{name} {c:.0f} us" for name, c in zip(names, cpu)))
    pairs = [(by["off"][k], by["on"][k]) for k in range(min(len(by["off"]), len(by["on"])))]
    rng = random.Random(1)
    changes50, changes99 = [], []
    for _ in range(resamples):
        pick = [rng.choice(pairs) for _ in pairs]
        off50, off99, _ = pooled([p[0] for p in pick])
        on50, on99, _ = pooled([p[1] for p in pick])
        changes50.append(100 * (on50 / off50 - 1))
        changes99.append(100 * (on99 / off99 - 1))
    changes50.sort()
    changes99.sort()
    lo, hi = int(0.025 * resamples), min(resamples - 1, int(0.975 * resamples))
    for name, p, changes in (("p50", 0, changes50), ("p99", 1, changes99)):
        print(f"shadow at 100% changes the caller's {name} by {100 * (result['on'][p] / result['off'][p] - 1):+.1f}% "
              f"(95% interval {changes[lo]:+.1f}% to {changes[hi]:+.1f}%, {resamples} resamples of {len(pairs)} pairs of blocks)")
    # The pooled p99 rests on the slowest 1% of all requests, which a few stalled blocks can supply
    # alone; the median over pairs of each pair's own p99 change is what a typical second saw.
    def p99(i):
        return percentile(sorted(per_block[i]), 99)

    per_pair = [100 * (p99(on) / p99(off) - 1) for off, on in pairs]
    medians = sorted(statistics.median([rng.choice(per_pair) for _ in per_pair]) for _ in range(resamples))
    print(f"median over pairs of each pair's p99 change: {statistics.median(per_pair):+.1f}% (95% interval {medians[lo]:+.1f}% to {medians[hi]:+.1f}%)")
    if gc_path is None:
        return
    hits, pauses = collections(gc_path, gc_names, [t / 1e6 for t in starts])
    for name in gc_names:
        ms = sorted(pauses[name])
        pause = f"pause median {statistics.median(ms):.1f} ms, longest {ms[-1]:.1f} ms" if ms else "none"
        print(f"collections in the {name}: {len(ms)} ({pause}); blocks they fell in: "
              f"off {sum(i in hits[name] for i in by['off'])}, on {sum(i in hits[name] for i in by['on'])}")
    spoiled = set().union(*hits.values())
    clean = [change for (off, on), change in zip(pairs, per_pair) if off not in spoiled and on not in spoiled]
    if clean:
        print(f"median over the {len(clean)} pairs with no collection in either block: {statistics.median(clean):+.1f}%")


if __name__ == "__main__":
    if sys.argv[1] == "toggle":
        a = sys.argv[2:]
        toggle(int(a[0]), a[1], a[2], a[3], int(a[4]), float(a[5]), int(a[6]), a[7], [int(p) for p in a[8:]])
    elif sys.argv[1] == "gcpoll":
        gcpoll(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "phases":
        a = sys.argv[2:]
        split = a.index("--")
        phases(int(a[0]), a[1], a[2], a[3], int(a[4]), float(a[5]), int(a[6]), a[7], a[8:split], [int(p) for p in a[split + 1:]])
    elif sys.argv[1] == "report":
        a = sys.argv[2:]
        report(a[0], a[1], float(a[2]), int(a[3]), a[4] if len(a) > 4 else None, a[5:])
    else:
        sys.exit(__doc__)
