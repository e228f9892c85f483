"""A broker no offer fits says why, per agent, while it waits: in the apply's
progress as it runs, in `kmesos state show` and in `kmesos state list`."""

import json

from devcluster import ApplyFollower, DevCluster


def config(rack):
    return f'''
cluster "placed" {{
  kafka {{
    kind = "tansu"
  }}
  broker "0" {{
    cpus = 0.25
    mem  = 256
    disk = 256
    constraints = {{
      rack = "{rack}"
    }}
  }}
}}
'''


def test_a_broker_no_offer_fits_says_per_agent_why(tmp_path):
    with DevCluster(tmp_path, agents=2) as dev:
        hcl = tmp_path / "placed.hcl"
        hcl.write_text(config("like:r9"))
        with ApplyFollower(hcl, dev.url, tmp_path) as follower:
            def explained():
                return [line for line in follower.lines if "waits for an offer that fits" in line]
            [line] = dev.wait_for(explained, 120, "the progress to say why broker 0 waits")[:1]
            assert "127.0.0.2: constraint rack" in line and "127.0.0.3: constraint rack" in line, line

        shown = json.loads(dev.kmesos("state", "show", "cluster.placed.broker.0").stdout)
        wait = shown["runtime"]["waiting_for"]
        assert wait["kind"] == "offers" and set(wait["unfit"]) == {"127.0.0.2", "127.0.0.3"}, wait
        assert all(why.startswith("constraint rack") for why in wait["unfit"].values()), wait
        listed = dev.kmesos("state", "list").stdout
        assert "cluster.placed.broker.0  pending; waits for an offer that fits (none from 2 agents did)" in listed, listed


def test_plan_previews_where_each_new_broker_lands_or_why_it_cannot(tmp_path):
    with DevCluster(tmp_path, agents=2) as dev:
        hcl = tmp_path / "placed.hcl"
        hcl.write_text(config("like:r2"))

        def previewed():
            shown = dev.kmesos("plan", str(hcl)).stdout
            return shown if "cluster.placed.broker.0 on " in shown else None
        shown = dev.wait_for(previewed, 60, "a placement preview from the agents' offers")
        assert "cluster.placed.broker.0 on 127.0.0.3 (rack r2)" in shown, shown

        hcl.write_text(config("like:r9"))
        unplaced = dev.kmesos("plan", str(hcl)).stdout
        assert "cluster.placed.broker.0 cannot be placed now: " in unplaced, unplaced
        assert '127.0.0.2: constraint rack="like:r9": rack is "r1"' in unplaced, unplaced
        planned = json.loads(dev.kmesos("plan", str(hcl), "--json").stdout)
        [preview] = planned["placement"]
        assert preview["address"] == "cluster.placed.broker.0" and "agent" not in preview, preview

        # The apply puts it where the preview said.
        hcl.write_text(config("like:r2"))
        dev.kmesos("apply", str(hcl), "--auto-approve")
        [broker] = dev.wait_running(1, cluster="placed")
        assert broker.host == "127.0.0.3", broker
