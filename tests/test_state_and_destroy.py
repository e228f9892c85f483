"""`kmesos state pull | list | show` read what the scheduler recorded, with
secrets shown as (sensitive); `kmesos destroy` removes every broker and
leaves no task running."""

import json

from devcluster import DevCluster

CONFIG = '''
cluster "small" {
  kafka {
    kind = "tansu"
  }
  config = {
    "sasl.jaas.config" = "org.apache.kafka.common.security.plain.PlainLoginModule required password=\\"hunter2\\";"
  }
  broker "0..1" {
    cpus = 0.25
    mem  = 256
    disk = 256
    port = "31000..31999"
  }
}
'''


def test_state_commands_and_destroy(tmp_path):
    with DevCluster(tmp_path) as dev:
        hcl = tmp_path / "small.hcl"
        hcl.write_text(CONFIG)
        dev.kmesos("apply", str(hcl), "--auto-approve")
        brokers = dev.wait_running(2, cluster="small")

        pulled = dev.kmesos("state", "pull").stdout
        assert "hunter2" not in pulled
        state = json.loads(pulled)
        assert state["clusters"]["small"]["config"]["sasl.jaas.config"] == "(sensitive)"

        listed = dev.kmesos("state", "list").stdout.splitlines()
        assert listed[0] == "cluster.small"
        for broker in brokers:
            assert f"cluster.small.broker.{broker.id}  running {broker.addr} task {broker.task_id}" in listed, listed

        shown = json.loads(dev.kmesos("state", "show", "cluster.small.broker.1").stdout)
        assert shown["runtime"]["task_id"] == brokers[1].task_id
        missing = dev.kmesos("state", "show", "cluster.small.broker.9", check=False)
        assert missing.returncode == 1 and "no cluster.small.broker.9 in the state" in missing.stderr

        destroyed = dev.kmesos("destroy", "--auto-approve")
        assert "Apply complete! 0 created, 0 updated, 0 restarted, 3 destroyed." in destroyed.stdout, destroyed.stdout
        assert dev.state()["clusters"] == {}
        live = [t for t in dev.get_master("/master/state")["tasks"] if t["state"] in ("TASK_STAGING", "TASK_STARTING", "TASK_RUNNING")]
        assert live == [], live
