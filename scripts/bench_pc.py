#!/usr/bin/env python3
"""Benchmark `meshscope pc clusters --file` against a jq listing of cluster names.

Generates a synthetic config dump of about the target size with
`meshscope demo generate-dump`, then runs each command REPEAT times and prints
wall time (best and median) and peak RSS (from the kernel's rusage of the child).

    python3 scripts/bench_pc.py [--size-mb 150] [--repeat 3] [--keep FILE]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "meshscope")
JQ_FILTER = (
    '.configs[] | select(."@type" | endswith("ClustersConfigDump"))'
    " | (.static_clusters[]?, .dynamic_active_clusters[]?) | .cluster.name"
)


def run_measured(argv):
    """Runs argv with stdout discarded; returns (seconds, peak RSS bytes)."""
    r, w = os.pipe()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execvp(argv[0], argv)
    os.close(w)
    os.close(r)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"command failed: {' '.join(argv)}")
    return elapsed, usage.ru_maxrss * 1024


def generate(path, size_mb):
    # Calibrate: a small dump gives bytes per service.
    probe = path + ".probe"
    subprocess.run([BIN, "demo", "generate-dump", "--services", "200", "-o", probe], check=True)
    per_service = os.path.getsize(probe) / 200
    os.remove(probe)
    services = max(1, int(size_mb * 1e6 / per_service))
    subprocess.run([BIN, "demo", "generate-dump", "--services", str(services), "-o", path], check=True)
    return services


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=float, default=150)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", help="write the generated dump here and keep it")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="meshscope-bench-")
    path = args.keep or os.path.join(tmp, "dump.json")
    services = generate(path, args.size_mb)
    size = os.path.getsize(path)
    print(f"dump: {path}: {size / 1e6:.1f} MB, {services} services")
    commands = {
        "meshscope pc clusters": [BIN, "pc", "clusters", "--file", path],
        "meshscope pc clusters -o json": [BIN, "pc", "clusters", "--file", path, "-o", "json"],
        "jq cluster names": ["jq", "-r", JQ_FILTER, path],
    }
    results = {}
    for name, argv in commands.items():
        runs = [run_measured(argv) for _ in range(args.repeat)]
        times = [t for t, _ in runs]
        rss = max(m for _, m in runs)
        results[name] = (min(times), statistics.median(times), rss)
        print(
            f"{name:32s} best {min(times):7.3f} s  median {statistics.median(times):7.3f} s"
            f"  peak RSS {rss / 1e6:8.1f} MB ({rss / size:.2f}x file)"
        )
    ours, jq = results["meshscope pc clusters"], results["jq cluster names"]
    print(f"speed-up vs jq (best/best): {jq[0] / ours[0]:.1f}x; peak RSS / file size: {ours[2] / size:.2f}x")
    if not args.keep:
        os.remove(path)
        os.rmdir(tmp)


if __name__ == "__main__":
    main()
