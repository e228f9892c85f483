"""A `kmesos dev` process for end-to-end tests: the embedded Mesos master and
agents, the scheduler, its API and Kafka endpoint, on ports picked free for
this test, state under the test's temporary directory. Used as a context
manager; on exit it stops everything it started, brokers included."""

import json
import os
import pathlib
import random
import signal
import socket
import subprocess
import threading
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
KMESOS = ROOT / "target" / "debug" / "kmesos"
# Apache Kafka, three brokers (the README's run command applies it).
QUICKSTART = ROOT / "examples" / "quickstart"
# The same on tansu, the light broker.
TANSU_EXAMPLE = ROOT / "examples" / "tansu"
# One small tansu broker, for tests that need a broker running and no more.
ONE_BROKER = '''
cluster "solo" {
  kafka {
    kind = "tansu"
  }
  broker "0" {
    cpus = 0.25
    mem  = 256
    disk = 256
  }
}
'''
# The examples' brokers take ports in 31000..31999; agents offer slices of it.
BROKER_PORTS = (31000, 31999)
AGENT_HOSTS = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"]
# The examples' `kafka_endpoint` variable, set while a cluster runs so every
# kmesos command of the test (dev, plan, apply) puts the endpoint on the
# test's own port; configurations that do not declare it ignore it.
ENDPOINT_VAR = "KMESOS_VAR_kafka_endpoint"


def _bindable(host, port):
    with socket.socket() as s:
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _free_master_port():
    """A port free on the master's address and, with the next one (the
    agents' executor API), on every agent address."""
    for _ in range(200):
        port = random.randint(20000, 29000)
        if all(_bindable(h, p) for h in AGENT_HOSTS for p in (port, port + 1)):
            return port
    raise RuntimeError("no free port pair for the Mesos master and agents")


def _free_broker_range(agents, per_agent=10):
    """A slice of the examples' port range, free on all interfaces."""
    size = agents * per_agent
    for _ in range(200):
        begin = random.randint(BROKER_PORTS[0], BROKER_PORTS[1] - size)
        if all(_bindable("0.0.0.0", p) for p in range(begin, begin + size)):
            return begin, begin + size - 1
    raise RuntimeError("no free broker port range in 31000-31999")


class Broker:
    def __init__(self, cluster, broker_id, data):
        runtime = data.get("runtime") or {}
        self.cluster = cluster
        self.id = broker_id
        self.status = runtime.get("status")
        self.host = runtime.get("hostname")
        self.port = runtime.get("port")
        self.task_id = runtime.get("task_id")
        self.agent_id = runtime.get("agent_id")

    @property
    def addr(self):
        return f"{self.host}:{self.port}"

    def __repr__(self):
        return f"Broker({self.id} {self.status} {self.addr} {self.task_id})"


class Process:
    """One long-running `kmesos` process, its output in files, stopped as a
    process group."""

    def __init__(self, name, args, cwd):
        self.name = name
        self.args = [str(KMESOS), *args]
        self.cwd = pathlib.Path(cwd)
        self.stdout_path = self.cwd / f"{name}.stdout"
        self.stderr_path = self.cwd / f"{name}.stderr"
        self.proc = None

    def start(self):
        env = dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "info"))
        self.proc = subprocess.Popen(
            self.args, cwd=self.cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=open(self.stdout_path, "ab"), stderr=open(self.stderr_path, "ab"),
            start_new_session=True,
        )
        return self

    def alive(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n{self.errors()[-5000:]}")
        return True

    def errors(self):
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def kill9(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=60)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)


class SplitCluster:
    """`kmesos mesos-local` and `kmesos scheduler` as two processes, so the
    scheduler can be killed and restarted while Mesos and the brokers stay."""

    def __init__(self, tmp_path, agents=3):
        self.dir = pathlib.Path(tmp_path)
        self.agents = agents
        self.master = f"127.0.0.1:{_free_master_port()}"
        self.api = f"127.0.0.1:{_free_port()}"
        self.kafka = f"127.0.0.1:{_free_port()}"
        self.url = f"http://{self.api}"
        ports = _free_broker_range(agents)
        self.mesos = Process("mesos-local", [
            "mesos-local", "--agents", str(agents), "--listen", self.master,
            "--work-dir", str(self.dir / "mesos"), "--ports", f"{ports[0]}-{ports[1]}",
        ], self.dir)
        self.scheduler = None
        self.runs = 0

    def start_scheduler(self):
        self.runs += 1
        self.scheduler = Process(f"scheduler-{self.runs}", [
            "scheduler", "--master", f"http://{self.master}", "--state", f"file:{self.dir / 'state.json'}",
            "--api", self.api, "--kafka", self.kafka,
        ], self.dir).start()
        wait_for(lambda: self.scheduler.alive() and self.health().get("subscribed"), 120, "the scheduler to subscribe")

    def __enter__(self):
        os.environ[ENDPOINT_VAR] = self.kafka
        self.mesos.start()
        wait_for(lambda: self.mesos.alive() and self.master_state() is not None, 60, "the Mesos master")
        self.start_scheduler()
        return self

    def __exit__(self, *exc):
        if self.scheduler:
            self.scheduler.stop()
        self.mesos.stop()
        kill_processes_under(self.dir)
        os.environ.pop(ENDPOINT_VAR, None)

    def health(self):
        try:
            return _get_json(self.url + "/v1/health")
        except OSError:
            return {}

    def master_state(self):
        try:
            return _get_json(f"http://{self.master}/master/state")
        except OSError:
            return None

    def state(self):
        return _get_json(self.url + "/v1/state")


def _get_json(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def processes():
    """Every other process on the machine as (pid, argv as bytes, working
    directory); processes that end while read are left out."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
            argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        yield int(pid), argv, cwd


def tansu_pids(address):
    """The tansu processes serving the broker at `address` (HOST:PORT, the
    listener it advertises)."""
    listener = f"tcp://{address}".encode()
    return [pid for pid, argv, _ in processes() if argv[0].endswith(b"tansu") and listener in argv]


def kill_processes_under(directory):
    """Kills every process working in `directory` (executors and brokers run
    in sandboxes under a test's directory)."""
    mine = str(directory)
    for pid, argv, cwd in processes():
        if cwd.startswith(mine) or any(mine.encode() in arg for arg in argv):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class ApplyFollower:
    """`kmesos apply PATH --auto-approve` against `url`, running while the
    test watches its output (`lines`, as printed); `detach()` sends Ctrl-C
    and returns its exit status and stderr."""

    def __init__(self, path, url, cwd):
        self.proc = subprocess.Popen(
            [str(KMESOS), "apply", str(path), "--auto-approve", "--scheduler", url],
            cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.lines = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(iter(self.proc.stdout.readline, "")),
                                       daemon=True)
        self.reader.start()

    def detach(self):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=60)
        self.reader.join(timeout=10)
        return self.proc.returncode, self.proc.stderr.read()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.detach()


class DevCluster:
    def __init__(self, tmp_path, apply=None, agents=3):
        self.dir = pathlib.Path(tmp_path)
        self.apply = apply
        # An example's cluster is named as its directory.
        self.cluster = pathlib.Path(apply).name if apply else None
        self.agents = agents
        self.master_port = _free_master_port()
        self.api = f"127.0.0.1:{_free_port()}"
        self.kafka = f"127.0.0.1:{_free_port()}"
        self.ports = _free_broker_range(agents)
        self.url = f"http://{self.api}"
        self.stdout_path = self.dir / "dev.stdout"
        self.stderr_path = self.dir / "dev.stderr"
        self.proc = None

    # -- lifecycle -------------------------------------------------------

    def start(self):
        args = [
            str(KMESOS), "dev",
            "--dir", str(self.dir / ".kmesos"),
            "--agents", str(self.agents),
            "--master", f"127.0.0.1:{self.master_port}",
            "--api", self.api,
            "--kafka", self.kafka,
            "--ports", f"{self.ports[0]}-{self.ports[1]}",
        ]
        if self.apply:
            args += ["--apply", str(self.apply)]
        env = dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "info"))
        self.proc = subprocess.Popen(
            args,
            cwd=self.dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=open(self.stdout_path, "ab"),
            stderr=open(self.stderr_path, "ab"),
            start_new_session=True,
        )
        self.wait_for(self.healthy, 120, "the scheduler API to answer")
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(timeout=60)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        self.kill_leftovers()

    def kill_leftovers(self):
        kill_processes_under(self.dir)

    def __enter__(self):
        os.environ[ENDPOINT_VAR] = self.kafka
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        os.environ.pop(ENDPOINT_VAR, None)
        if exc[0] is not None:
            print("---- kmesos dev stdout ----\n" + self.output())
            print("---- kmesos dev stderr (tail) ----\n" + self.errors()[-20000:])

    # -- observing -------------------------------------------------------

    def output(self):
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    def errors(self):
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def get(self, path):
        return _get_json(self.url + path)

    def get_master(self, path):
        return _get_json(f"http://127.0.0.1:{self.master_port}{path}")

    def healthy(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"kmesos dev exited with {self.proc.returncode}:\n{self.errors()[-5000:]}")
        try:
            return self.get("/v1/health")["subscribed"]
        except OSError:
            return False

    def state(self):
        return self.get("/v1/state")

    def brokers(self, cluster=None):
        cluster = cluster or self.cluster
        data = self.state()["clusters"].get(cluster, {}).get("brokers", {})
        return [Broker(cluster, int(i), b) for i, b in sorted(data.items(), key=lambda kv: int(kv[0]))]

    def agent_hook(self, agent, action):
        """The embedded master's test hook on an agent (its id or hostname):
        `partition`, `remove` (its processes killed too) or `restore`."""
        url = f"http://127.0.0.1:{self.master_port}/test/agents/{agent}/{action}"
        with urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=30) as r:
            return r.read().decode()

    def wait_for(self, predicate, timeout, what):
        try:
            return wait_for(predicate, timeout, what)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.output()[-5000:]}") from None

    def wait_output(self, text, timeout=240):
        return self.wait_for(lambda: text in self.output(), timeout, repr(text))

    def wait_running(self, count, timeout=180, cluster=None):
        def running():
            brokers = self.brokers(cluster)
            live = [b for b in brokers if b.status == "running"]
            return live if len(live) == count and len(brokers) == count else None

        return self.wait_for(running, timeout, f"{count} running brokers")

    def kmesos(self, *args, timeout=300, check=True):
        """Runs a `kmesos` command against this scheduler."""
        result = subprocess.run(
            [str(KMESOS), *args, "--scheduler", self.url],
            cwd=self.dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kmesos {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result
