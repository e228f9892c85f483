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
