"""Faults an Apache Kafka cluster under kmesos rides out while an acks=all
producer keeps writing: a broker's JVM killed with SIGKILL (the task fails,
the broker is relaunched on its agent and volume after its failover delay,
its replicas catch up, nothing acknowledged is lost), and an agent removed
(a broker that is not a controller voter is relaunched on another agent once
its stickiness runs out and catches up from its peers; test_apache_voter_loss
covers a voter's agent)."""

import os
import signal
import urllib.request

from devcluster import SMALL_APACHE_BROKER, DevCluster, processes
from kafka_clients import AcksAllProducer, consume_group, fully_in_sync

# Brokers 0-2 are the KRaft voters, one per agent; broker 3 is a broker only,
# free to land on any agent. Short failover delay and stickiness, so that
# faults play out in seconds.
CONFIG = '''
cluster "faults" {
  kafka {
    kind = "apache"
  }
  config = {
    "min.insync.replicas"        = 2
    "default.replication.factor" = 3
  }
  broker "0..2" {
    stickiness = "5s"
    failover {
      delay     = "2s"
      max_delay = "10s"
      max_tries = 0
    }
    constraints = {
      hostname = "unique"
    }
''' + SMALL_APACHE_BROKER + '''  }
  broker "3" {
    stickiness = "5s"
    failover {
      delay     = "2s"
      max_delay = "10s"
      max_tries = 0
    }
''' + SMALL_APACHE_BROKER + '''  }
  topic "orders" {
    partitions         = 4
    replication_factor = 3
  }
}
'''


def start(dev, tmp_path):
    hcl = tmp_path / "faults.hcl"
    hcl.write_text(CONFIG)
    applied = dev.kmesos("apply", str(hcl), "--auto-approve")
    assert "Apply complete! 6 created, 0 updated, 0 restarted, 0 destroyed." in applied.stdout, applied.stdout
    brokers = {b.id: b for b in dev.wait_running(4, cluster="faults")}
    bootstrap = ",".join(b.addr for b in brokers.values())
    dev.wait_for(lambda: fully_in_sync(bootstrap, "orders"), 60, "orders fully in sync")
    return brokers, bootstrap


def jvm_of(broker_id, under):
    """The pid of the Kafka JVM whose sandbox (under `under`) configures
    node.id `broker_id`."""
    found = [
        pid for pid, argv, cwd in processes()
        if b"kafka.Kafka" in argv and cwd.startswith(str(under))
        and f"node.id={broker_id}" in open(os.path.join(cwd, "server.properties")).read().splitlines()
    ]
    assert len(found) == 1, f"one JVM runs broker {broker_id}: {found}"
    return found[0]


def rides_out(bootstrap, fault):
    """Writes to orders with acks=all before `fault()` and again after it
    returns (once the cluster has recovered); asserts every write succeeded
    and that every acknowledged message reads back from the bootstrap
    servers `fault()` returns."""
    with AcksAllProducer(bootstrap, "orders") as producer:
        producer.produce_for(3)
        read_from = fault()
        producer.produce_for(3)
    assert producer.failed == [], producer.failed[:5]
    acknowledged = producer.acknowledged
    assert len(acknowledged) > 100, f"the producer kept writing: {len(acknowledged)}"
    read = consume_group(read_from, "orders", len(acknowledged), idle_polls=30)
    missing = set(acknowledged) - set(read)
    assert not missing, f"{len(missing)} acknowledged messages lost, e.g. {sorted(missing)[:5]}"


def test_a_killed_jvm_is_relaunched_on_its_volume_and_catches_up(tmp_path):
    with DevCluster(tmp_path, agents=4) as dev:
        before, bootstrap = start(dev, tmp_path)
        victim = before[2]

        def kill_the_jvm():
            os.kill(jvm_of(2, tmp_path), signal.SIGKILL)

            def back():
                b = {b.id: b for b in dev.brokers("faults")}[2]
                return b.status == "running" and b.task_id != victim.task_id and b
            relaunched = dev.wait_for(back, 180, "broker 2 relaunched")
            assert relaunched.host == victim.host, "relaunched on the agent holding its volume"
            dev.wait_for(lambda: fully_in_sync(bootstrap, "orders"), 120, "broker 2 back in every ISR")
            return bootstrap
        rides_out(bootstrap, kill_the_jvm)
        metrics = urllib.request.urlopen(dev.url + "/metrics", timeout=30).read().decode()
        assert 'kmesos_status_updates_total{state="TASK_FAILED"}' in metrics, metrics


def test_a_lost_agent_s_broker_moves_and_catches_up(tmp_path):
    with DevCluster(tmp_path, agents=4) as dev:
        before, bootstrap = start(dev, tmp_path)
        mover = before[3]

        def remove_its_agent():
            dev.agent_hook(mover.agent_id, "remove")

            def moved():
                b = {b.id: b for b in dev.brokers("faults")}[3]
                return b.status == "running" and b.host != mover.host and b
            dev.wait_for(moved, 180, "broker 3 running on another agent")
            live = ",".join(b.addr for b in dev.brokers("faults") if b.status == "running")
            dev.wait_for(lambda: fully_in_sync(live, "orders"), 120, "broker 3 caught up from its peers")
            return live
        rides_out(bootstrap, remove_its_agent)
