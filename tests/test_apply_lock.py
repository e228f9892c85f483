"""Applies take a lock and plans are tied to the state they were made
against: while one apply runs a second is refused naming who holds the lock
and since when; a saved plan applied after the state moved is refused."""

import json
import subprocess
import urllib.request

from devcluster import KMESOS, TANSU_EXAMPLE, ApplyFollower, DevCluster


def test_second_apply_is_refused_with_the_holder_and_a_stale_saved_plan_is_refused(tmp_path):
    with DevCluster(tmp_path) as dev:
        saved = tmp_path / "plan.json"
        dev.kmesos("plan", str(TANSU_EXAMPLE), "--out", str(saved))
        planned = json.loads(saved.read_text())

        first = subprocess.Popen(
            [str(KMESOS), "apply", str(TANSU_EXAMPLE), "--auto-approve", "--scheduler", dev.url],
            cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            running = dev.wait_for(lambda: dev.get("/v1/health")["apply"], 120, "the first apply to take the lock")
            assert f"(pid {first.pid})" in running["holder"], running

            second = dev.kmesos("apply", str(TANSU_EXAMPLE), "--auto-approve", check=False)
            assert second.returncode == 1, second.stdout + second.stderr
            assert f"lock held by {running['holder']} since {running['since']}" in second.stderr, second.stderr

            out, err = first.communicate(timeout=300)
        finally:
            if first.poll() is None:
                first.kill()
        assert "Apply complete! 6 created, 0 updated, 0 restarted, 0 destroyed." in out, out + err

        moved = dev.get("/v1/health")
        assert moved["lineage"] == planned["lineage"] and moved["serial"] > planned["serial"]
        stale = dev.kmesos("apply", str(saved), check=False)
        assert stale.returncode == 1
        assert f"the state changed since the plan was saved (serial {planned['serial']} then" in stale.stderr, stale.stderr
        # Nothing was started by the refused plan.
        assert dev.get("/v1/health")["apply"] is None


def test_a_prompt_is_refused_without_a_terminal(tmp_path):
    with DevCluster(tmp_path) as dev:
        before = dev.get("/v1/health")
        result = dev.kmesos("apply", str(TANSU_EXAMPLE), check=False)
        assert result.returncode == 1
        assert "stdin is not a terminal; pass --auto-approve" in result.stderr, result.stderr
        # The CLI has exited, so whatever it sent has been answered: what the
        # scheduler says now is final, not a moment before an apply arrives.
        after = dev.get("/v1/health")
        assert after["apply"] is None and after["serial"] == before["serial"], (before, after)
        assert dev.state()["clusters"] == {}


def test_ctrl_c_detaches_and_the_api_cancels_the_running_apply(tmp_path):
    with DevCluster(tmp_path) as dev:
        follower = ApplyFollower(TANSU_EXAMPLE, dev.url, tmp_path)
        # Interrupted once it follows the apply: it has printed progress
        # after saying the apply started.
        running = dev.wait_for(lambda: dev.get("/v1/health")["apply"], 120, "the apply to take the lock")
        started = f"Apply {running['apply_id']} started on {dev.url}."

        def following():
            lines = [line.strip() for line in follower.lines]
            return started in lines and any(lines[lines.index(started) + 1:])
        dev.wait_for(following, 60, f"progress after {started!r}")
        status, err = follower.detach()
        out = "".join(follower.lines)
        assert status == 0, out + err
        assert f"Detached. Apply {running['apply_id']} keeps running on the scheduler" in out, out
        assert dev.get("/v1/health")["apply"]["apply_id"] == running["apply_id"], "still running after the CLI left"

        request = urllib.request.Request(dev.url + "/v1/applies/current/cancel", method="POST")
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 202
        dev.wait_for(lambda: dev.get("/v1/health")["apply"] is None, 180, "the cancelled apply to stop")

        with urllib.request.urlopen(f"{dev.url}/v1/applies/{running['apply_id']}/progress", timeout=30) as stream:
            events = [json.loads(line) for line in stream.read().decode().splitlines()]
        assert events[0]["event"] == "started" and events[-1]["event"] == "cancelled", events
