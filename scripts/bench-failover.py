#!/usr/bin/env python3
"""Agent loss to broker serving again, against the configured failover
delay, on `kmesos dev`; figures written to docs/benchmarks.md.

Each round starts `kmesos dev` with four agents and a tansu cluster of three
brokers (one per agent, `failover.delay` and `stickiness` as below), removes
the agent of broker 1 through the embedded master's test hook, and times
from the removal until broker 1 answers Kafka Metadata at its new address on
another agent. The goal is the failover delay plus 2 s.

Run: `.venv/bin/python scripts/bench-failover.py [--rounds N]` after
`./scripts/setup.sh` and `cargo build --workspace --bins`.
"""

import argparse
import pathlib
import shutil
import tempfile
import time

from bench_figures import write_figures
from confluent_kafka.admin import AdminClient  # noqa: E402

from devcluster import DevCluster  # noqa: E402

DELAY_S = 5
STICKINESS_S = 1
CONFIG = f'''
variable "kafka_endpoint" {{
  default = "127.0.0.1:9092"
}}

cluster "bench" {{
  kafka {{
    kind     = "tansu"
    endpoint = var.kafka_endpoint
  }}
  broker "0..2" {{
    cpus = 0.25
    mem  = 256
    disk = 256
    port = "31000..31999"
    constraints = {{
      hostname = "unique"
    }}
    failover {{
      delay     = "{DELAY_S}s"
      max_delay = "{DELAY_S}s"
      max_tries = 0
    }}
    stickiness = "{STICKINESS_S}s"
  }}
}}
'''


def answers(addr):
    try:
        AdminClient({"bootstrap.servers": addr}).list_topics(timeout=1)
        return True
    except Exception:
        return False


def one_round(work):
    hcl = work / "bench.hcl"
    hcl.write_text(CONFIG)
    with DevCluster(work, agents=4) as dev:
        dev.kmesos("apply", str(hcl), "--auto-approve")
        before = {b.id: b for b in dev.wait_running(3, cluster="bench")}
        lost = before[1]
        started = time.monotonic()
        dev.agent_hook(lost.agent_id, "remove")
        while time.monotonic() - started < 120:
            moved = {b.id: b for b in dev.brokers("bench")}[1]
            if moved.status == "running" and moved.host != lost.host and answers(moved.addr):
                return time.monotonic() - started
            time.sleep(0.1)
    raise SystemExit("broker 1 did not serve again within 120 s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    times = []
    for _ in range(args.rounds):
        work = pathlib.Path(tempfile.mkdtemp(prefix="kmesos-bench-failover-"))
        try:
            times.append(one_round(work))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    goal = DELAY_S + 2
    rows = ["| round | agent removed → broker serving elsewhere | failover delay | over the delay | goal (delay + 2 s) |",
            "|---:|---:|---:|---:|---|"]
    for i, t in enumerate(times, 1):
        rows.append(f"| {i} | {t:.1f} s | {DELAY_S} s | {t - DELAY_S:+.1f} s | {'met' if t <= goal else 'not met'} |")
    text = "\n".join(rows)
    print(text)
    write_figures("bench-failover", text)


if __name__ == "__main__":
    main()
