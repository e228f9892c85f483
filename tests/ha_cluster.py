"""Several `kmesos scheduler` processes sharing one ZooKeeper state, beside
`kmesos mesos-local` as its own process: the highly available setup, with
each scheduler killable, freezable and restartable on its own port (as a
supervisor would restart it)."""

import pathlib

from devcluster import (ENDPOINT_VAR, Process, _free_broker_range, _free_master_port, _free_port,
                        _get_json, kill_processes_under, wait_for)
import os

# Short enough for tests to wait through, the scheduler's default.
SESSION_TIMEOUT = 6


class Scheduler:
    def __init__(self, cluster, index):
        self.cluster = cluster
        self.index = index
        self.api = f"127.0.0.1:{_free_port()}"
        self.url = f"http://{self.api}"
        self.runs = 0
        self.process = None

    def start(self):
        self.runs += 1
        self.process = Process(f"scheduler-{self.index}-{self.runs}", [
            "scheduler", "--master", f"http://{self.cluster.master}", "--state", self.cluster.state,
            "--api", self.api, "--kafka", self.cluster.kafka, "--zk-session-timeout", str(SESSION_TIMEOUT),
        ], self.cluster.dir).start()
        return self

    def health(self):
        try:
            return _get_json(self.url + "/v1/health")
        except OSError:
            return {}

    def exited(self):
        return self.process.proc.poll() is not None


class HaCluster:
    """`start_schedulers=False` starts Mesos alone; the test starts the
    schedulers later (`start_schedulers()`)."""

    def __init__(self, tmp_path, zookeeper, schedulers=3, agents=3, start_schedulers=True):
        self.dir = pathlib.Path(tmp_path)
        self.zookeeper = zookeeper
        self.master = f"127.0.0.1:{_free_master_port()}"
        self.kafka = f"127.0.0.1:{_free_port()}"
        self.state = f"zk://{zookeeper.address}/kmesos/test"
        ports = _free_broker_range(agents)
        self.mesos = Process("mesos-local", [
            "mesos-local", "--agents", str(agents), "--listen", self.master,
            "--work-dir", str(self.dir / "mesos"), "--ports", f"{ports[0]}-{ports[1]}",
        ], self.dir)
        self.schedulers = [Scheduler(self, i) for i in range(schedulers)]
        self.start_at_once = start_schedulers

    @property
    def urls(self):
        """Every scheduler's URL, as the CLI takes them."""
        return ",".join(s.url for s in self.schedulers)

    def leader(self):
        """The one scheduler that says it leads and is subscribed, if any;
        more than one is a failure."""
        leading = [s for s in self.schedulers
                   if not s.exited() and s.health().get("role") == "leader" and s.health().get("subscribed")]
        assert len(leading) <= 1, f"two schedulers lead at once: {[s.url for s in leading]}"
        return leading[0] if leading else None

    def wait_leader(self, timeout=120, other_than=None):
        return wait_for(lambda: (lambda s: s if s and s is not other_than else None)(self.leader()),
                        timeout, "a scheduler to lead and subscribe")

    def master_state(self):
        try:
            return _get_json(f"http://{self.master}/master/state")
        except OSError:
            return None

    def __enter__(self):
        os.environ[ENDPOINT_VAR] = self.kafka
        self.mesos.start()
        wait_for(lambda: self.mesos.alive() and self.master_state() is not None, 60, "the Mesos master")
        if self.start_at_once:
            self.start_schedulers()
        return self

    def start_schedulers(self):
        for scheduler in self.schedulers:
            scheduler.start()
        return self.wait_leader()

    def __exit__(self, *exc):
        for scheduler in self.schedulers:
            if scheduler.process:
                scheduler.process.stop()
        self.mesos.stop()
        kill_processes_under(self.dir)
        os.environ.pop(ENDPOINT_VAR, None)
