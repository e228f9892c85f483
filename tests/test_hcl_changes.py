"""Changing the HCL of a running cluster: the plan shows exactly the changes
made, and apply carries them out in the documented order (creates, updates
in place, restarts one broker at a time, destroys). A dynamic property
changes on the live brokers without restarting them (their task ids stay);
a static one restarts each broker on its agent."""

import json

from devcluster import DevCluster


def config(brokers, auto_create, max_bytes):
    return f'''
cluster "changes" {{
  kafka {{
    kind = "tansu"
  }}
  config = {{
    "auto.create.topics.enable" = {auto_create}
    "message.max.bytes"         = {max_bytes}
  }}
  broker "{brokers}" {{
    cpus = 0.25
    mem  = 256
    disk = 256
    port = "31000..31999"
    constraints = {{
      hostname = "unique"
    }}
  }}
}}
'''


def planned(dev, path):
    plan = json.loads(dev.kmesos("plan", str(path), "--json").stdout)
    return {c["address"]: c["action"] for c in plan["changes"] if c["action"] != "no-op"}


def tasks(dev):
    return {b.id: (b.task_id, b.host) for b in dev.brokers("changes")}


def test_plan_shows_exactly_the_changes_and_apply_makes_them_in_order(tmp_path):
    with DevCluster(tmp_path) as dev:
        hcl = tmp_path / "main.hcl"
        hcl.write_text(config("0..1", "false", 1048588))
        first = dev.kmesos("apply", str(hcl), "--auto-approve")
        assert "Apply complete! 3 created, 0 updated, 0 restarted, 0 destroyed." in first.stdout, first.stdout
        dev.wait_running(2, cluster="changes")
        before = tasks(dev)

        # Add a broker and change a dynamic property.
        hcl.write_text(config("0..2", "false", 2097152))
        assert planned(dev, hcl) == {"cluster.changes": "update", "cluster.changes.broker.2": "create"}
        grown = dev.kmesos("apply", str(hcl), "--auto-approve")
        assert "Apply complete! 1 created, 1 updated, 0 restarted, 0 destroyed." in grown.stdout, grown.stdout
        dev.wait_running(3, cluster="changes")
        after_dynamic = tasks(dev)
        assert after_dynamic[0] == before[0] and after_dynamic[1] == before[1], "a dynamic change restarts nothing"
        assert dev.state()["clusters"]["changes"]["config"]["message.max.bytes"] == "2097152"
        assert planned(dev, hcl) == {}

        # Change a static property and remove a broker.
        hcl.write_text(config("0..1", "true", 2097152))
        assert planned(dev, hcl) == {
            "cluster.changes": "update",
            "cluster.changes.broker.0": "restart",
            "cluster.changes.broker.1": "restart",
            "cluster.changes.broker.2": "destroy",
        }
        shrunk = dev.kmesos("apply", str(hcl), "--auto-approve")
        out = shrunk.stdout
        assert "Apply complete! 0 created, 1 updated, 2 restarted, 1 destroyed." in out, out
        order = [
            out.index("cluster.changes: update complete"),
            out.index("cluster.changes.broker.0: stopping"),
            out.index("cluster.changes.broker.0: restart complete"),
            out.index("cluster.changes.broker.1: stopping"),
            out.index("cluster.changes.broker.1: restart complete"),
            out.index("cluster.changes.broker.2: stopping"),
            out.index("cluster.changes.broker.2: destroy complete"),
        ]
        assert order == sorted(order), f"steps out of order:\n{out}"

        dev.wait_running(2, cluster="changes")
        final = tasks(dev)
        assert sorted(final) == [0, 1]
        for broker in (0, 1):
            assert final[broker][0] != after_dynamic[broker][0], f"broker {broker} was relaunched"
            assert final[broker][1] == after_dynamic[broker][1], f"broker {broker} stayed on its agent"
        assert planned(dev, hcl) == {}
