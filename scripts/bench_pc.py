#!/usr/bin/env python3
"""Benchmark every `meshscope pc` kind against jq's equivalent listing, on both
dump shapes of `meshscope demo generate-dump`:

  shared-ports  1-3 ports per service, a few big route configs shared by port
  mesh          one port per service, one small listener and route config each
                (the shape of a large real mesh: ~17k listeners at 147 MB)

For each shape it generates a dump of about --size-mb, then runs each command
--repeat times (stdout to /dev/null) and prints wall time (best, median), peak
RSS from the kernel's rusage of the child, and the speed-up over jq.

    python3 scripts/bench_pc.py [--size-mb 147] [--repeat 3] [--shapes mesh,shared-ports]
                                [--kinds listeners,routes,clusters] [--keep DIR]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "meshscope")


def section(kind):
    return f'.configs[] | select(."@type" | endswith("{kind}"))'


# jq's equivalent listing per pc kind: the identity columns of each table.
JQ = {
    "clusters": section("ClustersConfigDump")
    + " | (.dynamic_active_clusters[]?, .static_clusters[]?) | .cluster"
    " | [.name, (.type // .cluster_type.name // \"EDS\")] | @tsv",
    "listeners": section("ListenersConfigDump")
    + " | (.dynamic_listeners[]?.active_state.listener, .static_listeners[]?.listener)"
    " | select(. != null)"
    " | [.name // \"\", .address.socket_address.address, .address.socket_address.port_value,"
    " (.filter_chains | length)] | @tsv",
    "routes": section("RoutesConfigDump")
    + " | (.dynamic_route_configs[]?, .static_route_configs[]?) | .route_config"
    " | [.name // \"\", (.virtual_hosts | length)] | @tsv",
    "endpoints": section("EndpointsConfigDump")
    + " | (.dynamic_endpoint_configs[]?, .static_endpoint_configs[]?) | .endpoint_config"
    " | .cluster_name as $c | .endpoints[]?.lb_endpoints[]?"
    " | [$c, .endpoint.address.socket_address.address,"
    " .endpoint.address.socket_address.port_value, .health_status] | @tsv",
    "secrets": section("SecretsConfigDump")
    + " | (.dynamic_active_secrets[]?, .static_secrets[]?) | .name",
    "bootstrap": section("BootstrapConfigDump") + " | .bootstrap.node.id",
    "all": ".configs[] | (.static_clusters[]?.cluster.name, .dynamic_active_clusters[]?.cluster.name,"
    " .static_listeners[]?.listener.name, .dynamic_listeners[]?.name,"
    " .static_route_configs[]?.route_config.name, .dynamic_route_configs[]?.route_config.name,"
    " .dynamic_endpoint_configs[]?.endpoint_config.cluster_name, .dynamic_active_secrets[]?.name)",
}
KINDS = ["listeners", "routes", "clusters", "endpoints", "secrets", "bootstrap", "all"]


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


def generate(path, size_mb, shape):
    """Writes a dump of about size_mb in `shape`; returns its service count."""
    probe = path + ".probe"
    n = 400
    subprocess.run(
        [BIN, "demo", "generate-dump", "--shape", shape, "--services", str(n), "-o", probe],
        check=True,
    )
    per_service = os.path.getsize(probe) / n
    os.remove(probe)
    services = max(1, int(size_mb * 1e6 / per_service))
    subprocess.run(
        [BIN, "demo", "generate-dump", "--shape", shape, "--services", str(services), "-o", path],
        check=True,
    )
    return services


def counts(path):
    """Listeners, route configs and clusters in a dump (one parse, not timed)."""
    with open(path, encoding="utf-8") as f:
        dump = json.load(f)
    out = {"listeners": 0, "routes": 0, "clusters": 0}
    for c in dump.get("configs", []):
        t = c.get("@type", "")
        if t.endswith("ListenersConfigDump"):
            out["listeners"] += len(c.get("dynamic_listeners", [])) + len(c.get("static_listeners", []))
        elif t.endswith("RoutesConfigDump"):
            out["routes"] += len(c.get("dynamic_route_configs", [])) + len(
                c.get("static_route_configs", [])
            )
        elif t.endswith("ClustersConfigDump"):
            out["clusters"] += len(c.get("dynamic_active_clusters", [])) + len(
                c.get("static_clusters", [])
            )
    return out


def measure(argv, repeat):
    runs = [run_measured(argv) for _ in range(repeat)]
    times = [t for t, _ in runs]
    return min(times), statistics.median(times), max(m for _, m in runs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=float, default=147)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--shapes", default="mesh,shared-ports")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--keep", help="write the generated dumps into this directory and keep them")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    kinds = [k for k in args.kinds.split(",") if k]
    tmp = args.keep or tempfile.mkdtemp(prefix="meshscope-bench-")
    os.makedirs(tmp, exist_ok=True)
    print(f"{os.cpu_count()} CPUs; best of {args.repeat}; jq {subprocess.run(['jq', '--version'], capture_output=True, text=True).stdout.strip()}")
    for shape in [s for s in args.shapes.split(",") if s]:
        path = os.path.join(tmp, f"dump-{shape}.json")
        if not (args.keep and os.path.exists(path)):
            generate(path, args.size_mb, shape)
        size = os.path.getsize(path)
        c = counts(path)
        print(
            f"\n== shape {shape}: {path}: {size / 1e6:.1f} MB, {c['listeners']} listeners,"
            f" {c['routes']} route configs, {c['clusters']} clusters"
        )
        print(
            f"{'kind':10s} {'meshscope best':>14s} {'median':>8s} {'RSS/file':>9s}"
            f" {'jq best':>8s} {'jq RSS/file':>11s} {'speed-up':>9s}"
        )
        for kind in kinds:
            ours = measure([BIN, "pc", kind, "--file", path], args.repeat)
            jq = measure(["jq", "-r", JQ[kind], path], args.repeat)
            print(
                f"{kind:10s} {ours[0]:12.3f} s {ours[1]:6.3f} s {ours[2] / size:8.2f}x"
                f" {jq[0]:6.3f} s {jq[2] / size:10.2f}x {jq[0] / ours[0]:8.1f}x"
            )
        if not args.keep:
            os.remove(path)
    if not args.keep:
        os.rmdir(tmp)


if __name__ == "__main__":
    main()
