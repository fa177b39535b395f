#!/usr/bin/env python3
"""Benchmarks for `open`, `logs -` and `diff`, each beside a named baseline.

1. open: a generated istioctl bug-report archive (default 1 GB of members,
   200 proxies, gzip'd) listed with `meshscope open X --list` (target < 2 s);
   baselines `gzip -dc X > /dev/null` and `tar tzf X`.
2. logs: N access-log lines piped into `meshscope logs --file - --status 5xx`
   (parsed and filtered; target >= 100k lines/s); baselines `grep -c ' 50[0-9] '`
   and an awk field filter reading the same pipe.
3. tui-logs: the real TUI in tmux following a log file that grows by 20k
   lines/s; its CPU (from /proc) beside its CPU idle (target < 25% of a core).
4. diff: two generated ~150 MB dumps (different seeds) with `meshscope diff`
   (target < 2 s and peak RSS < 2.5x the two files); baseline `cmp`.

    python3 scripts/bench_open.py [--open-mb 1000] [--proxies 200]
        [--log-lines 2000000] [--dump-mb 150] [--tui-rate 20000]
        [--only open,logs,tui-logs,diff]

BIN is $MESHSCOPE_BIN or target/release/meshscope (built when absent).
"""
import argparse
import gzip
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("MESHSCOPE_BIN", os.path.join(ROOT, "target", "release", "meshscope"))


def measured(argv, stdin_path=None, shell=None):
    """Runs argv (or a shell line) with stdout discarded; returns (seconds, peak RSS bytes, exit)."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        if stdin_path:
            os.dup2(os.open(stdin_path, os.O_RDONLY), 0)
        if shell:
            os.execvp("sh", ["sh", "-c", shell])
        os.execvp(argv[0], argv)
    _, status, usage = os.wait4(pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status)


def best(label, runs, note=""):
    t = min(r[0] for r in runs)
    rss = max(r[1] for r in runs)
    print(f"  {label:44s} best {t:7.3f} s   peak RSS {rss / 1e6:8.1f} MB {note}")
    return t, rss


def gen_dump(path, services, seed):
    subprocess.run([BIN, "demo", "generate-dump", "--services", str(services),
                    "--seed", str(seed), "-o", path], check=True)


def services_for(tmp, mb):
    probe = os.path.join(tmp, "probe.json")
    gen_dump(probe, 200, 1)
    per = os.path.getsize(probe) / 200
    os.remove(probe)
    return max(1, int(mb * 1e6 / per))


def k8s_list(names, namespace):
    """A `kind: List` of pods as kubectl writes them (about 3 KB each, with a
    Service per pod), named `ns<i % 10>` unless `namespace` is given."""
    items = []
    for i, name in enumerate(names):
        ns = namespace or f"ns{i % 10}"
        app = name.split("-")[0]
        items.append(f"""- apiVersion: v1
  kind: Pod
  metadata:
    annotations:
      sidecar.istio.io/status: '{{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert"],"revision":"default"}}'
      prometheus.io/path: /stats/prometheus
      prometheus.io/port: "15020"
    creationTimestamp: "2026-01-01T00:00:00Z"
    labels:
      app: {app}
      version: v1
      pod-template-hash: 5b4f9c7d8
      security.istio.io/tlsMode: istio
      service.istio.io/canonical-name: {app}
    name: {name}
    namespace: {ns}
    ownerReferences:
    - apiVersion: apps/v1
      kind: ReplicaSet
      name: {app}-5b4f9c7d8
      uid: 00000000-0000-0000-0000-{i:012d}
  spec:
    containers:
    - image: docker.io/istio/examples-{app}:1.20.2
      name: {app}
      ports:
      - containerPort: 9080
        protocol: TCP
    - args: [proxy, sidecar, --domain, $(POD_NAMESPACE).svc.cluster.local]
      image: docker.io/istio/proxyv2:1.28.0
      name: istio-proxy
      ports:
      - containerPort: 15090
        name: http-envoy-prom
        protocol: TCP
    nodeName: node-{i % 7}
  status:
    containerStatuses:
    - name: {app}
      ready: true
      restartCount: 0
    - name: istio-proxy
      ready: true
      restartCount: {i % 3}
    phase: Running
    podIP: 10.244.{i // 250}.{i % 250}
- apiVersion: v1
  kind: Service
  metadata:
    name: {app}
    namespace: {ns}
  spec:
    ports:
    - name: http
      port: 9080
      targetPort: 9080
    selector:
      app: {app}
""")
    return ("apiVersion: v1\nitems:\n" + "".join(items) + "kind: List\nmetadata:\n  resourceVersion: \"\"\n").encode()


def bench_open(tmp, total_mb, proxies, repeat):
    per_proxy = total_mb * 1e6 / proxies
    dump = os.path.join(tmp, "proxy.json")
    gen_dump(dump, services_for(tmp, per_proxy / 1e6 * 0.9), 3)
    body = open(dump, "rb").read()
    path = os.path.join(tmp, "bug-report.tar.gz")
    t0 = time.perf_counter()
    members = 0
    total = 0
    with open(path, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1) as gz:
            with tarfile.open(fileobj=gz, mode="w|", format=tarfile.GNU_FORMAT) as tar:
                def add(name, data):
                    nonlocal members, total
                    info = tarfile.TarInfo("bug-report/" + name)
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
                    members += 1
                    total += len(data)
                add("analyze/allNamespaces/allNamespaces", b"Warning [IST0102] (Namespace default) not injected\n")
                add("cluster/pods", k8s_list(["istiod-1"], "istio-system"))
                # Every proxy's pod, as `kubectl get all -o yaml` lists it.
                add("cluster/k8s-resources", k8s_list(
                    [f"app{i}-5b4f9c7d8-x7k2p" for i in range(proxies)], None))
                add("istio/istio-system/istiod-1/debug/syncz", b"[]")
                add("istio/istio-system/istiod-1/metrics", b"# TYPE pilot_xds gauge\npilot_xds 1\n")
                log = b"".join(b'[2026-01-01T00:00:%02d.000Z] "GET /p HTTP/1.1" 200 - via_upstream - "-" 0 10 3 2 "-" "curl" "id" "svc" "10.0.0.1:80"\n' % (i % 60) for i in range(2000))
                for i in range(proxies):
                    base = f"proxies/ns{i % 10}/app{i}-5b4f9c7d8-x7k2p/"
                    add(base + "config_dump?include_eds", body)
                    add(base + "server_info", b'{"command_line_options":{}}')
                    add(base + "stats/prometheus", b"# TYPE envoy_server_live gauge\nenvoy_server_live 1\n")
                    add(base + "istio-proxy.log", log)
    size = os.path.getsize(path)
    print(f"open: {path}: {members} members, {total / 1e6:.0f} MB of members, "
          f"{size / 1e6:.0f} MB gzip'd, {proxies} proxies (generated in {time.perf_counter() - t0:.0f} s)")
    runs = [measured([BIN, "open", path, "--list"]) for _ in range(repeat)]
    if any(r[2] != 0 for r in runs):
        sys.exit("meshscope open --list failed")
    ours, rss = best("meshscope open --list", runs, "(target < 2 s)")
    gz, _ = best("baseline: gzip -dc > /dev/null", [measured(None, shell=f"gzip -dc '{path}' > /dev/null") for _ in range(repeat)])
    tt, _ = best("baseline: tar tzf", [measured(["tar", "tzf", path]) for _ in range(repeat)])
    print(f"  open/gzip {ours / gz:.2f}x, open/tar {ours / tt:.2f}x; RSS {rss / 1e6:.0f} MB")
    os.remove(path)


def bench_logs(tmp, lines, repeat):
    path = os.path.join(tmp, "access.log")
    codes = [200, 200, 200, 404, 503]
    with open(path, "w") as f:
        for i in range(lines):
            c = codes[i % 5]
            flags = "UF" if c == 503 else "-"
            f.write(f'[2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}.000Z] "GET /api/v1/item/{i % 997} HTTP/1.1" {c} {flags} via_upstream - "-" 0 {i % 5000} 3 2 "-" "curl/8.0" "req-{i}" "reviews:9080" "10.0.{i % 200}.1:9080" outbound|9080||reviews.default.svc.cluster.local 10.1.0.1:41234 10.0.0.9:9080 10.1.0.1:41230 - default\n')
    size = os.path.getsize(path)
    print(f"logs: {lines} lines, {size / 1e6:.0f} MB, piped through cat")
    shell = f"cat '{path}' | {BIN} logs --file - --status 5xx"
    runs = [measured(None, shell=shell) for _ in range(repeat)]
    ours, _ = best("meshscope logs --file - --status 5xx", runs, f"({lines / min(r[0] for r in runs) / 1e3:.0f}k lines/s; target >= 100k)")
    g, _ = best("baseline: grep ' 50[0-9] '", [measured(None, shell=f"cat '{path}' | grep ' 50[0-9] '") for _ in range(repeat)])
    a, _ = best("baseline: awk '$5 ~ /^5/'", [measured(None, shell=f"cat '{path}' | awk '$5 ~ /^5/'") for _ in range(repeat)])
    print(f"  meshscope {lines / ours / 1e3:.0f}k lines/s, grep {lines / g / 1e3:.0f}k lines/s, awk {lines / a / 1e3:.0f}k lines/s")
    os.remove(path)


def cpu_seconds(pid):
    """utime + stime of a process, in seconds (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_tui_logs(tmp, rate, seconds):
    """The real TUI in tmux (160x45, default layout: clusters, stats, logs)
    following a log file that grows by `rate` lines/s; its CPU over that
    window beside its CPU idle. The admin URL answers nothing, so the panes
    beside the log show errors and poll cheaply."""
    if not shutil.which("tmux"):
        print("tui-logs: tmux not found, skipped")
        return
    path = os.path.join(tmp, "tui.log")
    open(path, "w").close()
    session = f"msbench{os.getpid()}"
    env = f"HOME={tmp} XDG_CONFIG_HOME={tmp} TERM=xterm-256color"
    cmd = f"exec env {env} '{BIN}' --admin http://127.0.0.1:9 --log-file '{path}'"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "45", cmd], check=True)
    try:
        pid = int(subprocess.run(["tmux", "display", "-p", "-t", session, "#{pane_pid}"],
                                 capture_output=True, text=True, check=True).stdout.strip())
        time.sleep(3)
        c0, t0 = cpu_seconds(pid), time.perf_counter()
        time.sleep(seconds)
        idle = (cpu_seconds(pid) - c0) / (time.perf_counter() - t0)
        batch = rate // 20
        written = 0
        c0, t0 = cpu_seconds(pid), time.perf_counter()
        with open(path, "a") as f:
            while time.perf_counter() - t0 < seconds:
                lines = []
                for _ in range(batch):
                    i = written
                    c = (200, 200, 503)[i % 3]
                    flags = "UO" if c == 503 else "-"
                    lines.append(f'[2026-01-01T00:00:{i % 60:02d}.000Z] "GET /api/{i % 97} HTTP/1.1" {c} {flags} via_upstream - "-" 0 {i % 5000} 3 2 "-" "fortio" "req-{i}" "httpbin:8000" "10.0.0.{i % 200}:80" outbound|8000||httpbin.default.svc.cluster.local 10.1.0.1:41234 10.0.0.9:8000 10.1.0.1:41230 - default\n')
                    written += 1
                f.write("".join(lines))
                f.flush()
                next_at = t0 + written / rate
                time.sleep(max(0.0, next_at - time.perf_counter()))
            elapsed = time.perf_counter() - t0
        busy = (cpu_seconds(pid) - c0) / elapsed
        screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session],
                                capture_output=True, text=True).stdout
        shown = sum(1 for l in screen.splitlines() if "req-" in l or "503" in l or " 200 " in l)
        print(f"tui-logs: {written} lines in {elapsed:.1f} s ({written / elapsed / 1e3:.1f}k lines/s) into the TUI following {path}")
        print(f"  TUI CPU idle            {idle * 100:6.1f}% of one core")
        print(f"  TUI CPU at {rate // 1000}k lines/s   {busy * 100:6.1f}% of one core (target < 25%); {shown} log rows on screen at the end")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def bench_diff(tmp, mb, repeat):
    services = services_for(tmp, mb)
    a, b = os.path.join(tmp, "a.json"), os.path.join(tmp, "b.json")
    gen_dump(a, services, 1)
    gen_dump(b, services, 2)
    sa, sb = os.path.getsize(a), os.path.getsize(b)
    print(f"diff: {sa / 1e6:.0f} MB and {sb / 1e6:.0f} MB dumps, {services} services")
    for label, extra in (("meshscope diff", []), ("meshscope diff -o json", ["-o", "json"])):
        runs = [measured([BIN, "diff", a, b] + extra) for _ in range(repeat)]
        if any(r[2] not in (0, 1) for r in runs):
            sys.exit(f"{label} failed")
        t, rss = best(label, runs, f"(exit {runs[0][2]}; target < 2 s)")
        print(f"    peak RSS / both files: {rss / (sa + sb):.2f}x (target < 2.5x)")
    same = [measured([BIN, "diff", a, a]) for _ in range(repeat)]
    best("meshscope diff A A (identical)", same, f"(exit {same[0][2]})")
    best("baseline: cmp", [measured(["cmp", "-s", a, b]) for _ in range(repeat)])
    os.remove(a)
    os.remove(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--open-mb", type=float, default=1000)
    ap.add_argument("--proxies", type=int, default=200)
    ap.add_argument("--log-lines", type=int, default=2_000_000)
    ap.add_argument("--dump-mb", type=float, default=150)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tui-rate", type=int, default=20_000)
    ap.add_argument("--tui-seconds", type=float, default=10)
    ap.add_argument("--only", default="open,logs,tui-logs,diff")
    args = ap.parse_args()
    if not os.path.exists(BIN):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="meshscope-bench-open-")
    try:
        only = args.only.split(",")
        if "open" in only:
            bench_open(tmp, args.open_mb, args.proxies, args.repeat)
        if "logs" in only:
            bench_logs(tmp, args.log_lines, args.repeat)
        if "tui-logs" in only:
            bench_tui_logs(tmp, args.tui_rate, args.tui_seconds)
        if "diff" in only:
            bench_diff(tmp, args.dump_mb, args.repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
