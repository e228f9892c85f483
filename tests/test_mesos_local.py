"""`kmesos mesos-local` stops everything it started, executors and brokers
included, whether it is stopped with Ctrl-C (SIGINT) or by a service manager
(SIGTERM), and only that process is signalled, not its process group."""

import os
import signal
import subprocess

import pytest

from devcluster import KMESOS, ONE_BROKER, SplitCluster, processes, wait_for


def running_under(directory):
    mine = str(directory)
    return [(pid, argv[0]) for pid, argv, cwd in processes() if cwd.startswith(mine)]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_mesos_local_stops_its_executors_and_brokers_on_a_signal(tmp_path, sig):
    with SplitCluster(tmp_path, agents=1) as cluster:
        hcl = tmp_path / "solo.hcl"
        hcl.write_text(ONE_BROKER)
        applied = subprocess.run(
            [str(KMESOS), "apply", str(hcl), "--auto-approve", "--scheduler", cluster.url],
            cwd=tmp_path, capture_output=True, text=True, timeout=300,
        )
        assert "Apply complete! 2 created" in applied.stdout, applied.stdout + applied.stderr
        sandboxes = tmp_path / "mesos"
        assert running_under(sandboxes), "the executor and broker run in the agent's sandboxes"

        cluster.scheduler.stop()
        os.kill(cluster.mesos.proc.pid, sig)
        assert cluster.mesos.proc.wait(timeout=60) == 0
        wait_for(lambda: not running_under(sandboxes), 30, "every process in the agent's sandboxes to end")
