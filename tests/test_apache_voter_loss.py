"""The quickstart (three Apache Kafka brokers, every one a KRaft controller
voter, one per agent) loses the agent of broker 1 while an acks=all producer
writes to "orders" (replication factor 3, min.insync.replicas 2). The cluster
keeps serving on the other two; broker 1 is relaunched only on its own agent,
which holds its volume and controller port, so it waits for it, and
`kmesos state` and `kmesos plan` say so and why. When the agent comes back,
broker 1 runs there again, catches up, and no longer says it waits."""

import json

from devcluster import QUICKSTART, DevCluster
from kafka_clients import AcksAllProducer, fully_in_sync

APPLIED = "Apply complete! 6 created, 0 updated, 0 restarted, 0 destroyed."
ADDRESS = "cluster.quickstart.broker.1"


def shown(dev):
    """Broker 1 as `kmesos state show` prints it."""
    return json.loads(dev.kmesos("state", "show", ADDRESS).stdout)


def test_a_voter_whose_agent_is_lost_waits_for_it_and_says_why_while_the_others_serve(tmp_path):
    with DevCluster(tmp_path, apply=QUICKSTART, agents=3) as dev:
        dev.wait_output(APPLIED, timeout=300)
        before = {b.id: b for b in dev.wait_running(3)}
        voter = before[1]
        bootstrap = ",".join(b.addr for b in before.values())
        dev.wait_for(lambda: fully_in_sync(bootstrap, "orders"), 60, "orders fully in sync")

        with AcksAllProducer(bootstrap, "orders") as producer:
            producer.produce_for(3)
            dev.agent_hook(voter.agent_id, "remove")

            # The master's FAILURE event for the agent follows its tasks' updates.
            def waiting_for_lost_agent():
                wait = (shown(dev)["runtime"] or {}).get("waiting_for") or {}
                return wait.get("lost_at") and wait
            wait = dev.wait_for(waiting_for_lost_agent, 60, "broker 1 to say it waits for its lost agent")
            assert wait["kind"] == "agent"
            assert (wait["hostname"], wait["agent_id"]) == (voter.host, voter.agent_id)
            assert wait["why"] == (
                "the agent holds the broker's volume and controller port, and a KRaft controller voter "
                "is relaunched only there; voters 0 and 2 keep the quorum (2 of 3 running)"
            ), wait
            producer.produce_for(5)

            listed = dev.kmesos("state", "list").stdout.splitlines()
            [line] = [l for l in listed if l.startswith(ADDRESS + " ")]
            assert line.endswith(
                f"; waits for agent {voter.host} ({voter.agent_id}), "
                f"which the Mesos master reported lost at {wait['lost_at']}"
            ), line

            plan = dev.kmesos("plan", str(QUICKSTART)).stdout
            assert "No changes." in plan, plan
            assert "Note: Brokers are not running" in plan, plan
            assert f"# {ADDRESS} is not running (" in plan, plan
            assert f"#   it waits for agent {voter.host} ({voter.agent_id}), which the Mesos master reported lost" in plan, plan
            assert f"#   {wait['why']}" in plan, plan
            planned = json.loads(dev.kmesos("plan", str(QUICKSTART), "--json").stdout)
            assert [(w["address"], w["waiting_for"]["hostname"]) for w in planned["waiting"]] == [
                (ADDRESS, voter.host)
            ], planned["waiting"]

            running = {b.id for b in dev.brokers() if b.status == "running"}
            assert running == {0, 2}, "broker 1 is not launched elsewhere"
            producer.produce_for(3)

            dev.agent_hook(voter.agent_id, "restore")

            def back():
                b = {b.id: b for b in dev.brokers()}[1]
                return b.status == "running" and b.task_id != voter.task_id and b
            again = dev.wait_for(back, 180, "broker 1 running again")
            assert again.host == voter.host, "on the agent holding its volume"
            dev.wait_for(lambda: fully_in_sync(bootstrap, "orders"), 120, "broker 1 back in every ISR")
            assert "waiting_for" not in shown(dev)["runtime"]
            producer.produce_for(3)

        assert producer.failed == [], producer.failed[:5]
        assert len(producer.acknowledged) > 100, f"the producer kept writing: {len(producer.acknowledged)}"
        assert "Note: Brokers are not running" not in dev.kmesos("plan", str(QUICKSTART)).stdout
