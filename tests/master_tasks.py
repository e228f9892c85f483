"""What the Mesos master says of the brokers' tasks, the authority the
end-to-end tests check kmesos against (not the scheduler's own word): the
live tasks per broker id, and whether two tasks of one broker id ever lived
at once, from every task's status updates."""

import math
import re

LIVE = {"TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_KILLING", "TASK_UNREACHABLE"}
TASK_ID = re.compile(r"^(?P<cluster>.+)\.broker-(?P<id>\d+)\.")


def live_tasks(master_state):
    """Live task ids by (cluster, broker id), from the master's view."""
    live = {}
    for task in master_state.get("tasks", []):
        match = TASK_ID.match(task.get("id") or "")
        if match and task.get("state") in LIVE:
            live.setdefault((match["cluster"], int(match["id"])), []).append(task["id"])
    return live


def overlapping_tasks(master_state):
    """Pairs of tasks of one broker id whose lives overlapped, from the
    master's record of every task's status updates: a task lives from its
    first update to its terminal one (or on, without one). Also the broker
    ids seen, so a check over nothing cannot pass."""
    lives = {}
    for task in master_state.get("tasks", []):
        match = TASK_ID.match(task.get("id") or "")
        statuses = task.get("statuses") or []
        if not match or not statuses:
            continue
        start = statuses[0]["timestamp"]
        end = next((s["timestamp"] for s in statuses if s["state"] not in LIVE), math.inf)
        lives.setdefault((match["cluster"], int(match["id"])), []).append((start, end, task["id"]))
    doubles = [
        (broker, a[2], b[2])
        for broker, spans in lives.items()
        for i, a in enumerate(spans)
        for b in spans[i + 1:]
        if a[0] < b[1] and b[0] < a[1]
    ]
    return doubles, set(lives)


def assert_one_task_per_broker(master_state, cluster, brokers):
    """The master agrees with the state's `brokers` of `cluster`: no broker
    id ever had two live tasks, and the live tasks are exactly the state's."""
    doubles, seen = overlapping_tasks(master_state)
    assert seen == {(cluster, int(i)) for i in brokers}, seen
    assert doubles == [], f"a broker id had two live tasks at once: {doubles}"
    known = {((cluster, int(i)), b["runtime"]["task_id"]) for i, b in brokers.items()}
    live = live_tasks(master_state)
    assert {(k, v) for k, ids in live.items() for v in ids} == known, f"orphaned or missing tasks: {live}"
