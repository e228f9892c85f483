"""Faults the scheduler rides out: an agent removed from the cluster (its
broker relaunched on another agent after the failover delay, once its
stickiness ran out) and a broker process killed (the executor reports
TASK_FAILED; the scheduler relaunches it), and a plan saved before it still
applies (what runs is not what plans diff against). `kmesos broker log`
reads the broker's output from its sandbox."""

import json

import os
import signal
import urllib.request

from devcluster import DevCluster, tansu_pids

CONFIG = '''
cluster "faults" {
  kafka {
    kind = "tansu"
  }
  broker "0..2" {
    cpus = 0.25
    mem  = 256
    disk = 256
    port = "31000..31999"
    constraints = {
      hostname = "unique"
    }
    failover {
      delay     = "2s"
      max_delay = "10s"
      max_tries = 0
    }
    stickiness = "5s"
  }
}
'''


def start(dev, tmp_path):
    hcl = tmp_path / "faults.hcl"
    hcl.write_text(CONFIG)
    applied = dev.kmesos("apply", str(hcl), "--auto-approve")
    assert "Apply complete! 4 created, 0 updated, 0 restarted, 0 destroyed." in applied.stdout, applied.stdout
    return {b.id: b for b in dev.wait_running(3, cluster="faults")}


def test_a_removed_agent_s_broker_is_relaunched_on_another_agent(tmp_path):
    with DevCluster(tmp_path, agents=4) as dev:
        before = start(dev, tmp_path)
        lost = before[0]
        dev.agent_hook(lost.agent_id, "remove")

        def moved():
            brokers = {b.id: b for b in dev.brokers("faults")}
            b = brokers[0]
            return b.status == "running" and b.host != lost.host and b
        relaunched = dev.wait_for(moved, 180, "broker 0 running on another agent")
        assert relaunched.task_id != lost.task_id
        others = {b.id: b for b in dev.brokers("faults")}
        assert others[1].task_id == before[1].task_id and others[2].task_id == before[2].task_id
        assert len({b.host for b in others.values()}) == 3


def test_a_killed_broker_fails_and_comes_back_and_a_plan_saved_before_still_applies(tmp_path):
    with DevCluster(tmp_path) as dev:
        before = start(dev, tmp_path)
        victim = before[1]
        grown = tmp_path / "grown.hcl"
        grown.write_text(CONFIG.rstrip().rstrip("}") + '  topic "audit" {\n    partitions = 2\n  }\n}\n')
        saved = tmp_path / "plan.json"
        dev.kmesos("plan", str(grown), "--out", str(saved))
        planned = json.loads(saved.read_text())
        health = dev.get("/v1/health")
        assert planned["serial"] == health["serial"], (planned, health)
        log = dev.kmesos("broker", "log", "1", "--lines", "20").stdout.splitlines()
        assert 0 < len(log) <= 20, log
        executor_log = dev.kmesos("broker", "log", "1", "--file", "stderr").stdout
        assert "kmesos_executor" in executor_log and victim.task_id in executor_log, executor_log
        missing = dev.kmesos("broker", "log", "1", "--file", "missing.log", check=False)
        assert missing.returncode == 1 and f"task {victim.task_id} has no missing.log in its sandbox" in missing.stderr, missing.stderr
        data = dev.kmesos("broker", "log", "1", "--file", "data/tansu.db", check=False)
        assert data.returncode == 1 and "must be a log file" in data.stderr, data.stderr

        pids = tansu_pids(victim.addr)
        assert len(pids) == 1, f"one tansu process serves {victim}: {pids}"
        os.kill(pids[0], signal.SIGKILL)

        def back():
            b = {b.id: b for b in dev.brokers("faults")}[1]
            return b.status == "running" and b.task_id != victim.task_id and b
        relaunched = dev.wait_for(back, 180, "broker 1 relaunched")
        assert relaunched.host == victim.host, "relaunched on the agent holding its volume"
        metrics = urllib.request.urlopen(dev.url + "/metrics", timeout=30).read().decode()
        assert 'kmesos_status_updates_total{state="TASK_FAILED"}' in metrics, metrics
        others = {b.id: b for b in dev.brokers("faults")}
        assert others[0].task_id == before[0].task_id and others[2].task_id == before[2].task_id

        after = dev.get("/v1/health")
        assert after["serial"] == health["serial"] and after["generation"] > health["generation"], (health, after)
        applied = dev.kmesos("apply", str(saved))
        assert "Apply complete! 1 created, 0 updated, 0 restarted, 0 destroyed." in applied.stdout, applied.stdout
        assert "audit" in dev.state()["clusters"]["faults"]["topics"]
