#!/usr/bin/env python3
"""Leader death to a new leader subscribed, and to the apply it resumes
making progress, with three schedulers on a real ZooKeeper and the default
6 s session timeout; figures written to docs/benchmarks.md.

Each round starts ZooKeeper, `kmesos mesos-local` and three `kmesos
scheduler --state zk://…`, starts an apply of three tansu brokers through
them, and once the first broker is launched kills the leader with SIGKILL.
It times from the kill until a standby says it leads and is subscribed to
Mesos (polled every 50 ms), and until that new leader's progress stream for
the resumed apply yields its first event. The goal is under 10 s for both.

Run: `.venv/bin/python scripts/bench-ha.py [--rounds N]` after
`./scripts/setup.sh` and `cargo build --workspace --bins`.
"""

import json
import subprocess
import time
import urllib.request

from bench_figures import measure_rounds, write_figures

from devcluster import KMESOS, TANSU_EXAMPLE, wait_for  # noqa: E402
from ha_cluster import SESSION_TIMEOUT, HaCluster  # noqa: E402
from zookeeper_server import ZooKeeper  # noqa: E402

GOAL_S = 10


def first_progress_event(url, apply_id):
    with urllib.request.urlopen(f"{url}/v1/applies/{apply_id}/progress", timeout=60) as stream:
        return json.loads(stream.readline())


def one_round(work):
    with ZooKeeper(work) as zookeeper, HaCluster(work, zookeeper) as cluster:
        apply = subprocess.Popen(
            [str(KMESOS), "apply", str(TANSU_EXAMPLE), "--auto-approve", "--scheduler", cluster.urls],
            cwd=work, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            leader = cluster.leader()

            def launched():
                state = json.loads(urllib.request.urlopen(leader.url + "/v1/state", timeout=10).read())
                brokers = state["clusters"].get("tansu", {}).get("brokers", {})
                return leader.health().get("apply") and any(
                    (b.get("runtime") or {}).get("task_id") for b in brokers.values())

            wait_for(launched, 120, "the apply to launch a broker")
            apply_id = leader.health()["apply"]["apply_id"]
            leader.process.kill9()
            killed = time.monotonic()
            successor = None
            while successor is None and time.monotonic() - killed < 60:
                successor = cluster.leader()
                time.sleep(0.05)
            subscribed = time.monotonic() - killed
            first_progress_event(successor.url, apply_id)
            resumed = time.monotonic() - killed
            return subscribed, resumed
        finally:
            apply.kill()
            apply.wait()


def main():
    results = measure_rounds(__doc__.splitlines()[0], "bench-ha", one_round)
    rows = [f"| round | leader killed → new leader subscribed | → resumed apply's first progress event | session timeout | goal (< {GOAL_S} s) |",
            "|---:|---:|---:|---:|---|"]
    for i, (subscribed, resumed) in enumerate(results, 1):
        met = "met" if max(subscribed, resumed) < GOAL_S else "not met"
        rows.append(f"| {i} | {subscribed:.1f} s | {resumed:.1f} s | {SESSION_TIMEOUT} s | {met} |")
    write_figures("bench-ha", rows)


if __name__ == "__main__":
    main()
