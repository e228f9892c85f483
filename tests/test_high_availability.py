"""Three schedulers on one ZooKeeper state (real ZooKeeper, real processes):
one leads, the others stand by and send callers to it; the leader killed,
frozen past its session timeout, or cut off by a ZooKeeper restart is
replaced within seconds, the apply in progress completes, and no broker id
ever has two live tasks."""

import json
import os
import random
import re
import signal
import subprocess
import time

from devcluster import (ENDPOINT_VAR, KMESOS, ONE_BROKER, TANSU_EXAMPLE, Process, _bindable, _free_broker_range,
                        _free_master_port, _free_port, _get_json, kill_processes_under, processes, wait_for)
from ha_cluster import SESSION_TIMEOUT, HaCluster
from master_tasks import assert_one_task_per_broker, live_tasks, overlapping_tasks
from zookeeper_server import ZooKeeper

# A leader that lost its ZooKeeper session exits with this status.
LOST_LEADERSHIP = 3


def kmesos(cwd, *args, timeout=300):
    return subprocess.run([str(KMESOS), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def stored_state(zookeeper):
    """The state document as ZooKeeper holds it, and the node's version."""
    client = zookeeper.client()
    try:
        data, stat = client.get("/kmesos/test/state")
        return json.loads(data), stat.version
    finally:
        client.stop()
        client.close()


def apply_one_broker(tmp_path, urls):
    """Applies one small tansu broker (cluster `solo`) through the schedulers."""
    config = tmp_path / "solo"
    config.mkdir()
    (config / "main.kmesos.hcl").write_text(ONE_BROKER)
    applied = kmesos(tmp_path, "apply", str(config), "--auto-approve", "--scheduler", urls)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    return config


def test_standbys_name_the_leader_and_an_apply_survives_its_leaders_being_killed(tmp_path):
    with ZooKeeper(tmp_path) as zookeeper, HaCluster(tmp_path, zookeeper) as cluster:
        leader = cluster.leader()
        standbys = [s for s in cluster.schedulers if s is not leader]
        for standby in standbys:
            wait_for(lambda: standby.health().get("leader") == leader.url, 30, "the standby to name the leader")
            assert standby.health()["role"] == "standby"

        apply = subprocess.Popen(
            [str(KMESOS), "apply", str(TANSU_EXAMPLE), "--auto-approve", "--scheduler", cluster.urls],
            cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            killed = []
            for round in range(2):
                def mid_apply():
                    state, _ = stored_state(zookeeper)
                    brokers = state["state"]["clusters"].get("tansu", {}).get("brokers", {})
                    launched = [b for b in brokers.values() if (b.get("runtime") or {}).get("task_id")]
                    return state["scheduler"]["apply"] is not None and len(launched) > round

                wait_for(mid_apply, 180, f"the apply to be in progress with {round + 1} broker(s) launched")
                leader = cluster.leader() or cluster.wait_leader()
                leader.process.kill9()
                killed.append(leader)
                successor = cluster.wait_leader(timeout=60, other_than=leader)
                assert successor.health()["apply"] is not None, "the new leader resumed the apply"
                leader.start()  # back, as its supervisor would start it: now a standby
                wait_for(lambda: leader.health().get("role") == "standby", 60, "the restarted scheduler to stand by")
            out, err = apply.communicate(timeout=300)
        finally:
            if apply.poll() is None:
                apply.kill()

        assert "Apply complete! 6 created, 0 updated, 0 restarted, 0 destroyed." in out, out + err
        leader = cluster.wait_leader()
        state = json.loads(kmesos(tmp_path, "state", "pull", "--scheduler", cluster.urls).stdout)
        brokers = state["clusters"]["tansu"]["brokers"]
        assert {b["runtime"]["status"] for b in brokers.values()} == {"running"}, brokers
        assert sorted(brokers) == ["0", "1", "2"]
        assert_one_task_per_broker(cluster.master_state(), "tansu", brokers)
        stored, _ = stored_state(zookeeper)
        assert stored["state"]["generation"] == leader.health()["generation"], "ZooKeeper holds the leader's state"


def test_a_leader_frozen_past_its_session_timeout_stops_without_writing(tmp_path):
    with ZooKeeper(tmp_path) as zookeeper, HaCluster(tmp_path, zookeeper, schedulers=2) as cluster:
        apply_one_broker(tmp_path, cluster.urls)

        frozen = cluster.leader()
        os.kill(frozen.process.proc.pid, signal.SIGSTOP)
        try:
            successor = cluster.wait_leader(timeout=60, other_than=frozen)
            # The successor acts: a restart of the broker goes through it.
            restarted = kmesos(tmp_path, "broker", "restart", "0", "--cluster", "solo", "--scheduler", cluster.urls)
            assert restarted.returncode == 0, restarted.stdout + restarted.stderr
            before, version_before = stored_state(zookeeper)
        finally:
            os.kill(frozen.process.proc.pid, signal.SIGCONT)

        wait_for(frozen.exited, 60, "the deposed leader to stop")
        assert frozen.process.proc.returncode == LOST_LEADERSHIP
        # It learns it was replaced from whichever tells it first: ZooKeeper
        # (session expired), the master (its framework failed over to the
        # successor), or a write refused by the fence.
        reasons = ("lost the ZooKeeper session", "Framework failed over", "no longer leads")
        assert any(r in frozen.process.errors() for r in reasons), frozen.process.errors()[-3000:]

        # The successor still leads, and what ZooKeeper holds is its state:
        # had the deposed leader written, the successor's next write would
        # have been refused and it would have stopped.
        restarted = kmesos(tmp_path, "broker", "restart", "0", "--cluster", "solo", "--scheduler", cluster.urls)
        assert restarted.returncode == 0, restarted.stdout + restarted.stderr
        assert cluster.leader() is successor
        after, version_after = stored_state(zookeeper)
        assert after["state"]["lineage"] == before["state"]["lineage"]
        assert after["state"]["generation"] - before["state"]["generation"] == version_after - version_before
        assert after["state"]["generation"] == successor.health()["generation"]
        doubles, seen = overlapping_tasks(cluster.master_state())
        assert seen == {("solo", 0)} and doubles == [], doubles


def test_a_zookeeper_restart_leaves_the_brokers_running_and_one_leader(tmp_path):
    with ZooKeeper(tmp_path) as zookeeper, HaCluster(tmp_path, zookeeper, schedulers=2) as cluster:
        config = apply_one_broker(tmp_path, cluster.urls)
        tasks_before = live_tasks(cluster.master_state())
        assert list(tasks_before) == [("solo", 0)]

        old_leader = cluster.leader()
        zookeeper.stop()
        # Down for longer than a session: every session is lost, the leader
        # stops acting, the standby keeps trying to join again.
        time.sleep(SESSION_TIMEOUT + 4)
        assert old_leader.exited() and old_leader.process.proc.returncode == LOST_LEADERSHIP, \
            old_leader.process.errors()[-3000:]
        zookeeper.start()

        leader = cluster.wait_leader(timeout=90)
        assert leader is not old_leader
        old_leader.start()
        wait_for(lambda: old_leader.health().get("role") == "standby", 60, "the former leader to stand by")
        assert live_tasks(cluster.master_state()) == tasks_before, "the broker kept running, untouched"
        plan = kmesos(tmp_path, "plan", str(config), "--scheduler", cluster.urls, "--detailed-exitcode")
        assert plan.returncode == 0, plan.stdout + plan.stderr
        restarted = kmesos(tmp_path, "broker", "restart", "0", "--cluster", "solo", "--scheduler", cluster.urls)
        assert restarted.returncode == 0, restarted.stdout + restarted.stderr
        assert cluster.leader() is leader


def test_a_state_moves_from_a_file_into_zookeeper_and_back_under_running_brokers(tmp_path):
    with ZooKeeper(tmp_path) as zookeeper, HaCluster(tmp_path, zookeeper, schedulers=2, agents=1,
                                                     start_schedulers=False) as cluster:
        def single_scheduler(name, state):
            api = f"127.0.0.1:{_free_port()}"
            process = Process(name, ["scheduler", "--master", f"http://{cluster.master}", "--state", state,
                                     "--api", api, "--kafka", cluster.kafka], tmp_path).start()
            url = f"http://{api}"

            def subscribed():
                process.alive()
                try:
                    return _get_json(url + "/v1/health").get("subscribed")
                except OSError:
                    return False

            wait_for(subscribed, 120, f"{name} to subscribe")
            return process, url

        first_file = f"file:{tmp_path / 'state.json'}"
        single, url = single_scheduler("file-scheduler", first_file)
        config = apply_one_broker(tmp_path, url)
        before = _get_json(url + "/v1/health")
        tasks = live_tasks(cluster.master_state())
        assert list(tasks) == [("solo", 0)]
        single.stop()

        moved = kmesos(tmp_path, "state", "migrate", "--from", first_file, "--to", cluster.state)
        assert moved.returncode == 0, moved.stderr
        assert f"lineage {before['lineage']}" in moved.stdout, moved.stdout
        again = kmesos(tmp_path, "state", "migrate", "--from", first_file, "--to", cluster.state)
        assert again.returncode == 1 and "already holds a state" in again.stderr, again.stderr

        leader = cluster.start_schedulers()
        health = leader.health()
        assert (health["lineage"], health["framework_id"]) == (before["lineage"], before["framework_id"])
        plan = kmesos(tmp_path, "plan", str(config), "--scheduler", cluster.urls, "--detailed-exitcode")
        assert plan.returncode == 0, plan.stdout + plan.stderr
        assert live_tasks(cluster.master_state()) == tasks, "the broker kept running, untouched"
        busy = kmesos(tmp_path, "state", "migrate", "--from", cluster.state, "--to", f"file:{tmp_path / 'back.json'}")
        assert busy.returncode == 1 and f"the scheduler at {leader.url}" in busy.stderr, busy.stderr

        for scheduler in cluster.schedulers:
            scheduler.process.stop()
        wait_for(lambda: _no_candidates(zookeeper), 60, "the schedulers' election nodes to go")
        refused = kmesos(tmp_path, "state", "migrate", "--from", cluster.state, "--to", first_file)
        assert refused.returncode == 1 and "already holds a state" in refused.stderr, refused.stderr
        back = f"file:{tmp_path / 'back.json'}"
        moved = kmesos(tmp_path, "state", "migrate", "--from", cluster.state, "--to", back)
        assert moved.returncode == 0, moved.stderr

        single, url = single_scheduler("file-scheduler-again", back)
        health = _get_json(url + "/v1/health")
        assert (health["lineage"], health["framework_id"]) == (before["lineage"], before["framework_id"])
        assert live_tasks(cluster.master_state()) == tasks
        single.stop()


def _no_candidates(zookeeper):
    client = zookeeper.client()
    try:
        return client.get_children("/kmesos/test/leader") == []
    finally:
        client.stop()
        client.close()


def test_kmesos_dev_ha_runs_three_schedulers_on_its_own_zookeeper_and_a_standby_takes_over(tmp_path):
    api = _free_consecutive_ports(3)
    master = f"127.0.0.1:{_free_master_port()}"
    ports = _free_broker_range(3)
    kafka = f"127.0.0.1:{_free_port()}"
    os.environ[ENDPOINT_VAR] = kafka
    dev = Process("dev-ha", [
        "dev", "--ha", "--zookeeper", f"127.0.0.1:{_free_port()}", "--dir", str(tmp_path / ".kmesos"),
        "--master", master, "--api", f"127.0.0.1:{api}", "--kafka", kafka,
        "--ports", f"{ports[0]}-{ports[1]}", "--apply", str(TANSU_EXAMPLE),
    ], tmp_path).start()
    try:
        output = lambda: dev.stdout_path.read_text()  # noqa: E731
        wait_for(lambda: dev.alive() and "Apply complete! 6 created" in output(), 240, "the apply on kmesos dev --ha")
        pids = dict(re.findall(r"scheduler (http://\S+) \(pid (\d+)\)", output()))
        assert len(pids) == 3, output()

        def leading():
            for url in pids:
                try:
                    health = _get_json(url + "/v1/health")
                except OSError:
                    continue
                if health.get("role") == "leader" and health.get("subscribed"):
                    return url
            return None

        leader = wait_for(leading, 60, "a leader")
        tasks = live_tasks(_get_json(f"http://{master}/master/state"))
        assert len(tasks) == 3
        os.kill(int(pids[leader]), signal.SIGKILL)
        successor = wait_for(lambda: (lambda url: url if url and url != leader else None)(leading()), 60,
                             "a standby to take over")
        brokers = _get_json(successor + "/v1/state")["clusters"]["tansu"]["brokers"]
        assert {b["runtime"]["status"] for b in brokers.values()} == {"running"}, brokers
        assert live_tasks(_get_json(f"http://{master}/master/state")) == tasks, "the brokers kept running"
    finally:
        dev.stop()
        os.environ.pop(ENDPOINT_VAR, None)
    left = [argv for _, argv, _ in processes() if str(tmp_path).encode() in b" ".join(argv)
            and (b"scheduler" in argv or b"start-foreground" in argv)]
    kill_processes_under(tmp_path)
    assert left == [], f"kmesos dev left schedulers or ZooKeeper running: {left}"


def _free_consecutive_ports(count):
    for _ in range(200):
        first = random.randint(20000, 29000)
        if all(_bindable("127.0.0.1", p) for p in range(first, first + count)):
            return first
    raise RuntimeError(f"no {count} consecutive free ports")
