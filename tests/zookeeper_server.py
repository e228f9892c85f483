"""A standalone ZooKeeper server (Debian's `zookeeper` package, installed by
scripts/setup.sh) for end-to-end tests: its own port, configuration and
data under the test's directory; stopped and started again on the same
data, as an operator restarting it would."""

import os
import pathlib
import signal
import subprocess

from kazoo.client import KazooClient

from devcluster import _free_port, wait_for

# scripts/env.sh sets it; scripts/setup.sh links it into the tools dir. The
# script finds its siblings from its own path, so the link is resolved.
ZK_SERVER = os.path.realpath(os.environ.get("KMESOS_ZOOKEEPER", "/usr/share/zookeeper/bin/zkServer.sh"))


class ZooKeeper:
    def __init__(self, directory):
        self.dir = pathlib.Path(directory) / "zookeeper"
        (self.dir / "data").mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.config = self.dir / "zoo.cfg"
        # Ticks of one second: sessions may last 2 s to 20 s.
        self.config.write_text(
            "tickTime=1000\n"
            f"dataDir={self.dir / 'data'}\n"
            f"clientPort={self.port}\n"
            "clientPortAddress=127.0.0.1\n"
            "admin.enableServer=false\n"
        )
        self.proc = None

    def start(self):
        env = dict(os.environ, ZOO_LOG_DIR=str(self.dir))
        self.proc = subprocess.Popen(
            [ZK_SERVER, "start-foreground", str(self.config)], cwd=self.dir, env=env,
            stdin=subprocess.DEVNULL, stdout=open(self.dir / "server.out", "ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._answers, 60, f"ZooKeeper on {self.address}")
        return self

    def _answers(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"ZooKeeper exited:\n{(self.dir / 'server.out').read_text()[-3000:]}")
        client = KazooClient(hosts=self.address, timeout=2)
        try:
            client.start(timeout=2)
            return True
        except Exception:
            return False
        finally:
            client.stop()
            client.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)

    def client(self):
        """A connected kazoo client; the caller stops it."""
        client = KazooClient(hosts=self.address, timeout=10)
        client.start(timeout=30)
        return client

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

