"""Clients from HCL on `kmesos dev`, as a user runs them: three Apache Kafka
brokers, and the producer and consumer of examples/clients running as Mesos
tasks (Apache Kafka's own performance tools). A standard client
(confluent-kafka) sees the topic's end offsets grow and the consumer group's
committed offsets advance, at the pace `kmesos client stats` reports."""

import json
import re
import time

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from devcluster import ROOT, DevCluster
from kafka_clients import committed_offsets, end_offsets

CLIENTS = ROOT / "examples" / "clients"
APPLIED = "Apply complete! 7 created, 0 updated, 0 restarted, 0 destroyed."


def client_tasks(dev, state="TASK_RUNNING"):
    """Names of the master's tasks of client instances in `state`."""
    tasks = dev.get_master("/master/state")["tasks"]
    return sorted(t["name"] for t in tasks if ".client-" in t["name"] and t["state"] == state)


def growing(read, what, dev, timeout=120):
    """Waits until `read()` is above what it first was (and above 0)."""
    first = read()
    return dev.wait_for(lambda: (lambda now: now if now > max(first, 0) else None)(read()), timeout, what)


def test_a_producer_and_a_consumer_from_hcl_move_messages(tmp_path):
    with DevCluster(tmp_path, apply=CLIENTS) as dev:
        dev.wait_output(APPLIED, timeout=360)
        brokers = dev.wait_running(3)
        bootstrap = ",".join(b.addr for b in brokers)
        assert client_tasks(dev) == ["clients.client-load-0", "clients.client-readers-0"]

        growing(lambda: end_offsets(bootstrap, "orders"), "the producer's messages", dev)
        growing(lambda: committed_offsets(bootstrap, "readers", "orders"), "the group's commits", dev)

        # What the instances report agrees with what the brokers hold: the
        # producer's rate is the pace at which the topic's end offsets grow.
        def reported():
            report = json.loads(dev.kmesos("client", "stats", "--json").stdout)
            rates = {i["client"]: i["throughput"]["messages_per_sec"]
                     for i in report["instances"] if "throughput" in i}
            return rates if set(rates) == {"load", "readers"} and all(r > 0 for r in rates.values()) else None
        dev.wait_for(reported, 60, "both instances' reports")
        start, began = end_offsets(bootstrap, "orders"), time.monotonic()
        time.sleep(10)
        grown = (end_offsets(bootstrap, "orders") - start) / (time.monotonic() - began)
        rates = reported()
        assert rates and 0.5 * grown <= rates["load"] <= 1.5 * grown, (rates, grown)
        table = dev.kmesos("client", "stats").stdout
        assert re.search(r"^load\s+producer\s+0\s+\d", table, re.M), table
        assert re.search(r"^readers\s+all\s+\d", table, re.M), table


def group_members(bootstrap, group):
    """How many members consumer group `group` has, per a standard admin
    client; None while its coordinator cannot answer."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    [described] = admin.describe_consumer_groups([group], request_timeout=20).values()
    try:
        return len(described.result().members)
    except KafkaException:
        return None


def test_scaling_a_consumer_changes_its_group_membership(tmp_path):
    with DevCluster(tmp_path, apply=CLIENTS) as dev:
        dev.wait_output(APPLIED, timeout=360)
        bootstrap = ",".join(b.addr for b in dev.wait_running(3))
        dev.wait_for(lambda: group_members(bootstrap, "readers") == 1, 120, "one member")

        up = dev.kmesos("apply", str(CLIENTS), "--auto-approve", "--var", "readers=3")
        assert "0 created, 1 updated, 0 restarted, 0 destroyed" in up.stdout, up.stdout
        assert len(client_tasks(dev)) == 4
        dev.wait_for(lambda: group_members(bootstrap, "readers") == 3, 120, "three members")

        down = dev.kmesos("apply", str(CLIENTS), "--auto-approve", "--var", "readers=1")
        assert "0 created, 1 updated, 0 restarted, 0 destroyed" in down.stdout, down.stdout
        assert client_tasks(dev) == ["clients.client-load-0", "clients.client-readers-0"]
        dev.wait_for(lambda: group_members(bootstrap, "readers") == 1, 120, "one member again")
