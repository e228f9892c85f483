"""kill -9 the scheduler in the middle of an apply and start it again on the
same state: it fails over to its framework, reconciles, and the apply
resumes and completes. Throughout, no broker id has two live tasks, and at
the end every live task is one the state knows (none orphaned)."""

import json
import subprocess

from devcluster import KMESOS, TANSU_EXAMPLE, SplitCluster, wait_for
from master_tasks import live_tasks, overlapping_tasks


def test_a_scheduler_killed_mid_apply_resumes_it_without_duplicating_brokers(tmp_path):
    with SplitCluster(tmp_path) as cluster:
        apply = subprocess.Popen(
            [str(KMESOS), "apply", str(TANSU_EXAMPLE), "--auto-approve", "--scheduler", cluster.url],
            cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            def mid_apply():
                brokers = cluster.state()["clusters"].get("tansu", {}).get("brokers", {})
                launched = [b for b in brokers.values() if (b.get("runtime") or {}).get("task_id")]
                return cluster.health().get("apply") and launched

            wait_for(mid_apply, 120, "the apply to launch a broker")
            cluster.scheduler.kill9()
            stored = json.loads((tmp_path / "state.json").read_text())
            assert stored["scheduler"]["apply"] is not None, "the apply was still in progress when killed"

            cluster.start_scheduler()
            wait_for(lambda: cluster.health().get("apply") is None, 240, "the resumed apply to finish")
            out, err = apply.communicate(timeout=120)
        finally:
            if apply.poll() is None:
                apply.kill()

        assert "Apply complete! 6 created, 0 updated, 0 restarted, 0 destroyed." in out, out + err
        brokers = cluster.state()["clusters"]["tansu"]["brokers"]
        assert {b["runtime"]["status"] for b in brokers.values()} == {"running"}, brokers
        doubles, seen = overlapping_tasks(cluster.master_state())
        assert seen == {("tansu", int(i)) for i in brokers}, seen
        assert doubles == [], f"a broker id had two live tasks at once: {doubles}"

        known = {(("tansu", int(i)), b["runtime"]["task_id"]) for i, b in brokers.items()}
        live = live_tasks(cluster.master_state())
        assert {(k, v) for k, ids in live.items() for v in ids} == known, f"orphaned or missing tasks: {live}"


def test_a_second_scheduler_on_a_state_in_use_is_refused_naming_the_holder(tmp_path):
    with SplitCluster(tmp_path, agents=1) as cluster:
        state_file = tmp_path / "state.json"
        before = state_file.read_text()
        second = subprocess.run(
            [str(KMESOS), "scheduler", "--master", f"http://{cluster.master}", "--state", f"file:{state_file}",
             "--api", "127.0.0.1:0", "--kafka", "127.0.0.1:0"],
            cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )
        assert second.returncode == 1, second.stdout + second.stderr
        holder = f"pid {cluster.scheduler.proc.pid} on "
        assert "is in use by another scheduler" in second.stderr and holder in second.stderr, second.stderr
        assert state_file.read_text() == before, "the refused scheduler wrote nothing"
        assert cluster.health()["subscribed"], "the first scheduler keeps serving"
