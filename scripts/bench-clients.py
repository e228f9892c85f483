#!/usr/bin/env python3
"""The throughput one producer instance reaches on `kmesos dev`, against the
same tool run by hand on the same brokers, measured side by side in one run;
figures written to docs/benchmarks.md.

Each round:
1. `kmesos dev` with three Apache Kafka brokers and a topic of 3 partitions
   and 3 replicas, and one producer client as fast as it can go
   (`rate = 1000000`, 100-byte messages, acks=all): Kafka's own
   ProducerPerformance as kmesos runs it, a Mesos task.
   It runs WARMUP seconds to warm the brokers up.
2. The client destroyed (an apply without it); then the same JVM command
   line kmesos ran (read from /proc, with the distribution's libs and the
   rendered client.properties copied out of the sandbox) run by hand
   against the same brokers: its rate is the median of the reports it
   prints every 5 s over SECONDS after WARMUP seconds.
3. The client created again and measured the same way, from its reports
   in client.stdout (`kmesos client log`).

Run: `.venv/bin/python scripts/bench-clients.py [--rounds N] [--no-write]`
after `./scripts/setup.sh` and `cargo build --workspace --bins`.
"""

import os
import pathlib
import re
import shutil
import signal
import statistics
import subprocess
import time

from bench_figures import measure_rounds
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
    (work / "dev").mkdir()
    with DevCluster(work / "dev", agents=3) as dev:
        def producing(on):
            hcl.write_text(CLUSTER % (PRODUCER if on else ""))
            dev.kmesos("apply", str(hcl), "--auto-approve", timeout=600)
            running = lambda: (producer_jvm(work / "dev") is not None) == on  # noqa: E731
            dev.wait_for(running, 120, "the producer's JVM to start" if on else "the producer to stop")

        # A first run warms the brokers up; what it ran is copied out of
        # its sandbox before the client goes.
        producing(True)
        time.sleep(WARMUP)
        _, cmdline, sandbox = producer_jvm(work / "dev")
        hand = work / "hand"
        hand.mkdir()
        libs = pathlib.Path(cmdline[cmdline.index("-cp") + 1].removesuffix("/*"))
        shutil.copytree(libs, hand / "libs")
        shutil.copy(pathlib.Path(sandbox) / "client.properties", hand / "client.properties")
        argv = [a.replace(str(libs), str(hand / "libs")).replace(sandbox, str(hand)) for a in cmdline]
        producing(False)

        out = open(hand / "stdout", "w")
        proc = subprocess.Popen(argv, cwd=hand, stdout=out, stderr=subprocess.STDOUT)
        try:
            time.sleep(WARMUP + SECONDS + 5)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
            out.close()
        by_hand = median(rates((hand / "stdout").read_text().splitlines()))

        producing(True)
        time.sleep(WARMUP + SECONDS + 5)
        log = dev.kmesos("client", "log", "flood", "--lines", "200").stdout.splitlines()
        kmesos = median(rates(log))
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


if __name__ == "__main__":
    measure_rounds(__doc__.splitlines()[0], "bench-clients", one_round, default_rounds=1, table=table)
