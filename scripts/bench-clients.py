#!/usr/bin/env python3
"""The throughput one producer instance reaches on `kmesos dev`, against the
same tool run by hand on the same brokers, measured side by side in one run;
figures written to docs/benchmarks.md.

Each round:
1. `kmesos dev` with three Apache Kafka brokers and a topic of 3 partitions
   and 3 replicas, and one producer client as fast as it can go
   (`rate = 1000000`, 100-byte messages, acks=all): Kafka's own
   ProducerPerformance as kmesos runs it, a Mesos task.
2. Its rate, from the reports it prints every 5 s (`kmesos client log`):
   the median over the reports of SECONDS after WARMUP seconds (the
   tool's JVM and the brokers' warming up).
3. The client destroyed (an apply without it); then the same JVM command
   line kmesos ran (read from /proc, with the distribution's libs and the
   rendered client.properties copied out of the sandbox) run by hand
   against the same brokers, measured the same way.

Run: `.venv/bin/python scripts/bench-clients.py [--rounds N] [--no-write]`
after `./scripts/setup.sh` and `cargo build --workspace --bins`.
"""

import argparse
import os
import pathlib
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from bench_figures import write_figures
from devcluster import DevCluster  # noqa: E402

SECONDS = 30
WARMUP = 30
REPORT = re.compile(r"^\d+ records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\)")

CLUSTER = """
cluster "bench" {
  kafka {
    kind = "apache"
  }
  broker "0..2" {
    cpus = 1
    mem  = 768
    heap = 384
    disk = 2048
    port = "31000..33999"
    constraints = {
      hostname = "unique"
    }
  }
  topic "flood" {
    partitions         = 3
    replication_factor = 3
  }
%s}
"""

PRODUCER = """
  client "flood" {
    kind         = "producer"
    topic        = "flood"
    rate         = 1000000
    message_size = 100
    mem          = 512
    properties = {
      "acks" = "all"
    }
  }
"""


def rates(lines):
    """(messages/s, MB/s) of each report among `lines` (one every 5 s) in
    the SECONDS after WARMUP."""
    found = [(float(m[1]), float(m[2])) for m in map(REPORT.match, lines) if m]
    return found[WARMUP // 5:][: SECONDS // 5]


def median(reports):
    return statistics.median(r[0] for r in reports), statistics.median(r[1] for r in reports)


def producer_jvm(directory):
    """(pid, cmdline, cwd) of the ProducerPerformance JVM working under `directory`."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read().decode().split("\0")[:-1]
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if "org.apache.kafka.tools.ProducerPerformance" in cmdline and cwd.startswith(str(directory)):
            return int(pid), cmdline, cwd
    return None


def one_round(work):
    hcl = work / "bench.hcl"
    hcl.write_text(CLUSTER % PRODUCER)
    (work / "dev").mkdir()
    with DevCluster(work / "dev", agents=3) as dev:
        dev.kmesos("apply", str(hcl), "--auto-approve", timeout=600)
        dev.wait_for(lambda: producer_jvm(work / "dev"), 120, "the producer's JVM")
        time.sleep(WARMUP + SECONDS + 5)
        log = dev.kmesos("client", "log", "flood", "--lines", "200").stdout.splitlines()
        kmesos = median(rates(log))

        # What kmesos ran, copied out of the sandbox before the client goes.
        _, cmdline, sandbox = producer_jvm(work / "dev")
        hand = work / "hand"
        hand.mkdir()
        libs = pathlib.Path(cmdline[cmdline.index("-cp") + 1].removesuffix("/*"))
        shutil.copytree(libs, hand / "libs")
        shutil.copy(pathlib.Path(sandbox) / "client.properties", hand / "client.properties")
        argv = [a.replace(str(libs), str(hand / "libs")).replace(sandbox, str(hand)) for a in cmdline]

        hcl.write_text(CLUSTER % "")
        dev.kmesos("apply", str(hcl), "--auto-approve", timeout=600)
        dev.wait_for(lambda: producer_jvm(work / "dev") is None, 60, "the client to stop")

        out = open(hand / "stdout", "w")
        proc = subprocess.Popen(argv, cwd=hand, stdout=out, stderr=subprocess.STDOUT)
        try:
            time.sleep(WARMUP + SECONDS + 5)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
            out.close()
        by_hand = median(rates((hand / "stdout").read_text().splitlines()))
    return {"kmesos": kmesos, "hand": by_hand}


def table(rounds):
    rows = [
        "| round | kmesos client (msg/s, MB/s) | same tool by hand (msg/s, MB/s) | ratio kmesos / hand |",
        "|---:|---:|---:|---:|",
    ]
    for i, r in enumerate(rounds, 1):
        (km, kmb), (hm, hmb) = r["kmesos"], r["hand"]
        rows.append(f"| {i} | {km:,.0f}, {kmb:.2f} | {hm:,.0f}, {hmb:.2f} | **{km / hm:.2f}×** |")
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="print the figures, leave docs/benchmarks.md")
    args = parser.parse_args()
    rounds = []
    for _ in range(args.rounds):
        work = pathlib.Path(tempfile.mkdtemp(prefix="kmesos-bench-clients-"))
        try:
            rounds.append(one_round(work))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if args.no_write:
        print(table(rounds))
    else:
        write_figures("bench-clients", table(rounds))


if __name__ == "__main__":
    sys.exit(main())
