#!/usr/bin/env python3
"""Apache Kafka under `kmesos dev` against the same brokers started by hand,
measured side by side in one run, figures written to docs/benchmarks.md.

Each round:
1. `kmesos dev` (3 agents) without a cluster; then `kmesos apply
   examples/quickstart`, timed from the command to every broker serving
   (Metadata from each lists all three), and to the apply's completion.
2. The brokers' JVM resident set (VmRSS) once the topics exist.
3. A rolling restart of all three (the apply of a heap change), timed.
4. `kmesos dev` stopped; the three brokers started by hand from the same
   distribution archive, with the server.properties, log4j2 config and JVM
   command line kmesos rendered (only paths changed), each formatted first,
   all three at once: timed to every broker serving.
5. Each hand-run broker in turn stopped (SIGTERM, wait for exit), started,
   and waited for until it is back in the ISR of every partition: the sum is
   what the rolling restart is compared with.

Run: `.venv/bin/python scripts/bench-apache.py [--rounds N]` after
`./scripts/setup.sh` and `cargo build --workspace --bins`.
"""

import argparse
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

from bench_figures import write_figures
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

from devcluster import QUICKSTART, DevCluster  # noqa: E402
from kafka_clients import fully_in_sync  # noqa: E402

HEAP = 384  # the quickstart's broker_heap
ROLL_HEAP = 400  # a heap change restarts every broker
TOPICS = (("orders", 3), ("events", 6))


def serving(addrs):
    """Whether each broker answers Metadata listing them all."""
    for addr in addrs:
        try:
            metadata = AdminClient({"bootstrap.servers": addr}).list_topics(timeout=2)
        except Exception:
            return False
        if len(metadata.brokers) != len(addrs):
            return False
    return True


def wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def jvms_under(directory):
    """{pid: (cmdline, cwd)} of the Kafka JVMs working under `directory`."""
    found = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read().decode().split("\0")[:-1]
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if "kafka.Kafka" in cmdline and cwd.startswith(str(directory)):
            found[int(pid)] = (cmdline, cwd)
    return found


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def properties(path):
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#"))
    # Java properties escape ':' and '=' with a backslash.
    return {k.strip(): re.sub(r"\\(.)", r"\1", v.strip()) for k, v in pairs}


def advertised(server):
    """host:port of the client listener in `advertised.listeners`."""
    first = server["advertised.listeners"].split(",")[0]
    return first.split("://", 1)[1]


def kmesos_round(work):
    """Steps 1-3 on `kmesos dev`; returns figures and what a hand run needs."""
    figures = {}
    dev = DevCluster(work / "dev")
    (work / "dev").mkdir()
    with dev:
        started = time.monotonic()
        applied = []
        apply = threading.Thread(target=lambda: applied.append(dev.kmesos("apply", str(QUICKSTART), "--auto-approve")))
        apply.start()
        dev.cluster = "quickstart"
        wait(lambda: len([b for b in dev.brokers() if b.status == "running"]) == 3, 300, "3 running brokers")
        addrs = [b.addr for b in dev.brokers()]
        wait(lambda: serving(addrs), 300, "3 brokers serving")
        figures["kmesos_serving"] = time.monotonic() - started
        apply.join()
        figures["kmesos_applied"] = time.monotonic() - started
        if not applied or "Apply complete!" not in applied[0].stdout:
            raise SystemExit("the quickstart apply did not complete")
        bootstrap = ",".join(addrs)
        for topic, _ in TOPICS:
            wait(lambda: fully_in_sync(bootstrap, topic), 60, f"{topic} in sync")
        jvms = jvms_under(work / "dev")
        figures["rss"] = sorted(rss_mib(pid) for pid in jvms)

        # What a person starting the same brokers needs: the rendered files
        # and command lines, the volumes' cluster id.
        brokers = []
        for cmdline, cwd in jvms.values():
            sandbox = pathlib.Path(cwd)
            server = properties(sandbox / "server.properties")
            meta = properties(pathlib.Path(server["log.dirs"]) / "meta.properties")
            brokers.append({"cmdline": cmdline, "sandbox": sandbox, "cluster_id": meta["cluster.id"],
                            "node_id": int(server["node.id"]), "addr": advertised(server)})
        brokers.sort(key=lambda b: b["node_id"])
        for b in brokers:
            b["files"] = {name: (b["sandbox"] / name).read_text() for name in ("server.properties", "log4j2.properties")}
            b["old_log_dirs"] = properties(b["sandbox"] / "server.properties")["log.dirs"]

        rolled = time.monotonic()
        dev.kmesos("apply", str(QUICKSTART), "--auto-approve", "--var", f"broker_heap={ROLL_HEAP}")
        figures["kmesos_roll"] = time.monotonic() - rolled
    return figures, brokers


class HandBroker:
    """One broker started by hand from the unpacked distribution."""

    def __init__(self, spec, home, directory):
        self.spec = spec
        self.dir = directory
        self.dir.mkdir(parents=True)
        self.log_dirs = self.dir / "data" / "kafka-logs"
        text = spec["files"]["server.properties"].replace(spec["old_log_dirs"], str(self.log_dirs))
        (self.dir / "server.properties").write_text(text)
        (self.dir / "log4j2.properties").write_text(spec["files"]["log4j2.properties"])
        sandbox = str(spec["sandbox"])
        args = []
        for arg in spec["cmdline"]:
            if arg.endswith("/libs/*"):
                arg = f"{home}/libs/*"
            args.append(arg.replace(sandbox, str(self.dir)))
        self.run_args = args
        main = args.index("kafka.Kafka")
        jvm = [a for a in args[:main] if not a.startswith(("-Xms", "-Xmx"))]
        self.format_args = [*jvm[:1], "-Xms256m", "-Xmx256m", *jvm[1:], "kafka.tools.StorageTool", "format",
                            f"--cluster-id={spec['cluster_id']}", "--config", "server.properties", "--ignore-formatted"]
        self.proc = None

    def output(self):
        return open(self.dir / "broker.out", "ab")

    def format(self):
        out = self.output()
        return subprocess.Popen(self.format_args, cwd=self.dir, stdout=out, stderr=out)

    def start(self):
        out = self.output()
        self.proc = subprocess.Popen(self.run_args, cwd=self.dir, stdout=out, stderr=out, start_new_session=True)

    def tail(self):
        return (self.dir / "broker.out").read_text(errors="replace")[-3000:]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=120)


def hand_round(work, brokers):
    """Steps 4-5."""
    figures = {}
    home = work / "dist"
    archive = os.environ.get("KMESOS_KAFKA_DIST") or str(pathlib.Path.home() / ".cache/kmesos/tools/kafka/current.tgz")
    with tarfile.open(archive) as tar:
        tar.extractall(home, filter="data")
    [home] = [p.parent.parent for p in home.glob("*/libs/kafka_*.jar")][:1]
    hand = [HandBroker(b, home, work / "hand" / str(b["node_id"])) for b in brokers]
    addrs = [b["addr"] for b in brokers]
    try:
        started = time.monotonic()
        formats = [h.format() for h in hand]
        if any(f.wait(timeout=300) != 0 for f in formats):
            raise SystemExit("a hand format failed")
        for h in hand:
            h.start()
        try:
            wait(lambda: serving(addrs), 300, "3 hand-started brokers serving")
        except SystemExit:
            for h in hand:
                print(f"---- broker {h.spec['node_id']}: {h.run_args}\n{h.tail()}", file=sys.stderr)
            raise
        figures["hand_serving"] = time.monotonic() - started

        admin = AdminClient({"bootstrap.servers": ",".join(addrs)})
        for f in admin.create_topics([NewTopic(t, n, 3) for t, n in TOPICS]).values():
            f.result()
        bootstrap = ",".join(addrs)
        for topic, _ in TOPICS:
            wait(lambda: fully_in_sync(bootstrap, topic), 60, f"{topic} in sync")
        each = []
        for h in hand:
            began = time.monotonic()
            h.stop()
            h.start()
            wait(lambda: serving(addrs) and all(fully_in_sync(bootstrap, t) for t, _ in TOPICS), 300,
                 "a restarted hand broker back in sync")
            each.append(time.monotonic() - began)
        figures["hand_restarts"] = each
    finally:
        for h in hand:
            if h.proc and h.proc.poll() is None:
                h.proc.kill()
                h.proc.wait()
    return figures


def table(rounds):
    rows = [
        "| round | kmesos apply → serving | by hand → serving | ratio | apply complete (with topics) "
        "| rolling restart (kmesos) | Σ stop+start+catch-up by hand | ratio | broker JVM RSS (MiB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for i, r in enumerate(rounds, 1):
        hand_sum = sum(r["hand_restarts"])
        rows.append(
            f"| {i} | {r['kmesos_serving']:.1f} s | {r['hand_serving']:.1f} s "
            f"| **{r['kmesos_serving'] / r['hand_serving']:.2f}×** | {r['kmesos_applied']:.1f} s "
            f"| {r['kmesos_roll']:.1f} s | {hand_sum:.1f} s ({' + '.join(f'{t:.1f}' for t in r['hand_restarts'])}) "
            f"| **{r['kmesos_roll'] / hand_sum:.2f}×** | {', '.join(f'{m:.0f}' for m in r['rss'])} |"
        )
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="print the figures, leave docs/benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="keep each round's directory (logs, sandboxes)")
    args = parser.parse_args()
    rounds = []
    for _ in range(args.rounds):
        work = pathlib.Path(tempfile.mkdtemp(prefix="kmesos-bench-"))
        try:
            figures, brokers = kmesos_round(work)
            figures.update(hand_round(work, brokers))
            rounds.append(figures)
        finally:
            if args.keep:
                print(f"kept {work}", file=sys.stderr)
            else:
                shutil.rmtree(work, ignore_errors=True)
    text = table(rounds)
    print(text)
    if not args.no_write:
        write_figures("bench-apache", text)


if __name__ == "__main__":
    main()
