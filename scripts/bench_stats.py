#!/usr/bin/env python3
"""Benchmark `meshscope stats` beside an awk baseline on generated inputs:

  cardinality  --series (default 1M) Prometheus series of istio_requests_total,
               every request_path unique; `stats --cardinality --file` against
               awk counting distinct values per (metric, label)
  list         an Envoy text /stats of --lines (default 500k) lines; the plain
               `stats --file` table against awk printing name and value

Prints wall time (best, median) and peak RSS (kernel rusage of the child) for
each, and the speed-up over awk. The awk used is mawk when installed, else
gawk, else awk (named in the output).

    python3 scripts/bench_stats.py [--series 1000000] [--lines 500000] [--repeat 3] [--keep DIR]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "meshscope")

# Distinct values per (metric, label): the job `stats --cardinality` does.
AWK_CARDINALITY = r"""
/^#/ || NF == 0 { next }
{
  brace = index($0, "{")
  if (brace == 0) { series[$1]++; next }
  metric = substr($0, 1, brace - 1)
  series[metric]++
  rest = substr($0, brace + 1)
  end = index(rest, "}")
  labels = substr(rest, 1, end - 1)
  n = split(labels, kv, "\",")
  for (i = 1; i <= n; i++) {
    eq = index(kv[i], "=")
    key = metric SUBSEP substr(kv[i], 1, eq - 1)
    if (!((key SUBSEP substr(kv[i], eq + 1)) in seen)) {
      seen[key SUBSEP substr(kv[i], eq + 1)] = 1
      distinct[key]++
    }
  }
}
END {
  for (k in distinct) { split(k, p, SUBSEP); print p[1], p[2], distinct[k] }
  for (m in series) print m, series[m]
}
"""

# The plain list: name and value of every stat.
AWK_LIST = r"""
{ i = index($0, ": "); if (i) printf "%s  %s\n", substr($0, 1, i - 1), substr($0, i + 2) }
"""

WORKLOADS = ["productpage-v1", "reviews-v1", "reviews-v2", "reviews-v3", "ratings-v1", "details-v1"]
CODES = ["200", "200", "200", "201", "404", "503"]


def pick_awk():
    for name in ("mawk", "gawk", "awk"):
        path = shutil.which(name)
        if path:
            return name, path
    sys.exit("no awk found")


def write_prometheus(path, series):
    """`series` istio_requests_total samples, every request_path unique."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("# HELP istio_requests_total Total requests.\n# TYPE istio_requests_total counter\n")
        chunk = []
        for i in range(series):
            src = WORKLOADS[i % len(WORKLOADS)]
            dst = WORKLOADS[(i // 7 + 1) % len(WORKLOADS)]
            code = CODES[i % len(CODES)]
            chunk.append(
                f'istio_requests_total{{response_code="{code}",reporter="destination",'
                f'source_workload="{src}",source_workload_namespace="default",'
                f'destination_workload="{dst}",destination_service="{dst}.default.svc.cluster.local",'
                f'request_protocol="http",response_flags="-",'
                f'request_path="/api/v1/users/{1000000 + i}/orders/{i * 7919 % 1000003:x}"}} {i % 977 + 1}\n'
            )
            if len(chunk) == 10000:
                f.write("".join(chunk))
                chunk.clear()
        f.write("".join(chunk))


def write_envoy_text(path, lines):
    """An Envoy text /stats: per-cluster counters and gauges, some histograms."""
    counters = [
        "upstream_cx_total", "upstream_cx_active", "upstream_cx_connect_fail",
        "upstream_rq_total", "upstream_rq_pending_overflow", "upstream_rq_retry",
        "upstream_rq_timeout", "membership_healthy", "lb_healthy_panic",
    ]
    with open(path, "w", encoding="utf-8") as f:
        chunk = []
        written = 0
        c = 0
        while written < lines:
            cluster = f"outbound|{8000 + c % 100}||svc-{c:05d}.team-{c % 40}.svc.cluster.local"
            for name in counters:
                chunk.append(f"cluster.{cluster}.{name}: {(c * 31 + len(name)) % 100000}\n")
            chunk.append(
                f"cluster.{cluster}.upstream_rq_time: P0(nan,1) P25(nan,2.05) P50(nan,5.1) "
                f"P75(nan,10.5) P90(nan,24.6) P95(nan,48.2) P99(nan,98.5) P99.5(nan,99.2) "
                f"P99.9(nan,99.9) P100(nan,100)\n"
            )
            written += len(counters) + 1
            c += 1
            if len(chunk) >= 10000:
                f.write("".join(chunk))
                chunk.clear()
        f.write("".join(chunk))


def run_measured(argv):
    """Runs argv with stdout discarded; returns (seconds, peak RSS bytes)."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execvp(argv[0], argv)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"command failed: {' '.join(argv)}")
    return elapsed, usage.ru_maxrss * 1024


def measure(argv, repeat):
    runs = [run_measured(argv) for _ in range(repeat)]
    times = [t for t, _ in runs]
    return min(times), statistics.median(times), max(m for _, m in runs)


def report(name, figures, size):
    best, median, rss = figures
    print(f"{name:44s} best {best:7.3f} s  median {median:7.3f} s  peak RSS {rss / 1e6:7.1f} MB ({rss / size:.2f}x file)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", type=int, default=1_000_000)
    ap.add_argument("--lines", type=int, default=500_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", help="write the inputs into this directory and keep them")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    awk_name, awk = pick_awk()
    tmp = args.keep or tempfile.mkdtemp(prefix="meshscope-bench-stats-")
    os.makedirs(tmp, exist_ok=True)
    prom = os.path.join(tmp, f"prometheus-{args.series}.txt")
    text = os.path.join(tmp, f"envoy-stats-{args.lines}.txt")
    if not os.path.exists(prom):
        write_prometheus(prom, args.series)
    if not os.path.exists(text):
        write_envoy_text(text, args.lines)
    print(f"{os.cpu_count()} CPUs; best of {args.repeat}; baseline: {awk_name} ({awk})")

    size = os.path.getsize(prom)
    print(f"\n== cardinality: {prom}: {size / 1e6:.1f} MB, {args.series} series, every request_path unique")
    ours = measure([BIN, "stats", "--cardinality", "--file", prom], args.repeat)
    base = measure([awk, AWK_CARDINALITY, prom], args.repeat)
    report("meshscope stats --cardinality --file", ours, size)
    report(f"{awk_name} distinct values per metric and label", base, size)
    print(f"speed-up vs {awk_name} (best/best): {base[0] / ours[0]:.1f}x")

    size = os.path.getsize(text)
    print(f"\n== list: {text}: {size / 1e6:.1f} MB, {args.lines} lines of Envoy text /stats")
    ours = measure([BIN, "stats", "--file", text], args.repeat)
    base = measure([awk, AWK_LIST, text], args.repeat)
    report("meshscope stats --file (table)", ours, size)
    report(f"{awk_name} name and value per line", base, size)
    print(f"peak RSS / file size: {ours[2] / size:.2f}x; speed-up vs {awk_name}: {base[0] / ours[0]:.1f}x")

    if not args.keep:
        os.remove(prom)
        os.remove(text)
        os.rmdir(tmp)


if __name__ == "__main__":
    main()
