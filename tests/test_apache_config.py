"""Dynamic Kafka configs and topics on the Apache quickstart, as a user checks
them with confluent-kafka: a cluster-wide and a per-broker property applied
from the HCL are in force on the live brokers without restarting any of
them; a change made directly at a broker, or to the cluster-wide defaults, with
a standard admin client shows as drift in the next `kmesos plan` (the scheduler refreshes from the
brokers), and `kmesos apply` brings the brokers back to the HCL. A topic from
the HCL is created with its replication factor and config, grown in
partitions and destroyed; a replication-factor change is refused by `plan`."""

import re

import pytest
from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource,
                                   ConfigSource, ResourceType)

from devcluster import QUICKSTART, DevCluster
from kafka_clients import set_cluster_default

APPLIED = "Apply complete! 6 created, 0 updated, 0 restarted, 0 destroyed."
NO_RESTART = re.compile(r"Apply complete! \d+ created, \d+ updated, 0 restarted, 0 destroyed\.")


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    with DevCluster(tmp_path_factory.mktemp("apache-config"), apply=QUICKSTART) as dev:
        dev.wait_output(APPLIED, timeout=300)
        dev.wait_running(3)
        yield dev


@pytest.fixture(scope="module")
def tuned_hcl(dev):
    """The quickstart with a cluster-wide dynamic property and broker 2 in a
    block of its own with a dynamic property of its own."""
    hcl = (QUICKSTART / "main.hcl").read_text()
    hcl = hcl.replace('"min.insync.replicas"        = 2',
                      '"min.insync.replicas"        = 2\n    "log.retention.ms"           = 7200000')
    start = hcl.index('  broker "0..2" {')
    end = hcl.index("\n  }\n", start) + len("\n  }\n")
    block = hcl[start:end]
    own = block.replace('"0..2"', '"2"').replace("\n  }\n", '\n    config = { "log.cleaner.threads" = 2 }\n  }\n')
    hcl = hcl[:start] + block.replace('"0..2"', '"0..1"') + "\n" + own + hcl[end:]
    path = dev.dir / "tuned" / "main.hcl"
    path.parent.mkdir(exist_ok=True)
    path.write_text(hcl)
    return path


def task_ids(dev):
    return {b.id: b.task_id for b in dev.wait_running(3)}


def admin(dev):
    return AdminClient({"bootstrap.servers": ",".join(b.addr for b in dev.wait_running(3))})


def described(dev, kind, name):
    """{property: (value, source)} as the brokers describe a resource."""
    client = admin(dev)  # kept alive until the answer comes
    [future] = client.describe_configs([ConfigResource(kind, name)], request_timeout=30).values()
    return {k: (e.value, ConfigSource(e.source)) for k, e in future.result().items()}


def in_force(dev, kind, name, expected):
    """Whether every property in `expected` is described with its (value, source)."""
    configs = described(dev, kind, name)
    return all(configs.get(k) == v for k, v in expected.items())


def plan(dev, path):
    return dev.kmesos("plan", str(path), "--detailed-exitcode", check=False)


def alter(dev, kind, name, prop, value):
    resource = ConfigResource(kind, name, incremental_configs=[
        ConfigEntry(prop, value, incremental_operation=AlterConfigOpType.SET)])
    client = admin(dev)  # kept alive until the answer comes
    [future] = client.incremental_alter_configs([resource], request_timeout=30).values()
    future.result()


def test_dynamic_properties_apply_without_restarting_any_broker(dev, tuned_hcl):
    before = task_ids(dev)
    applied = dev.kmesos("apply", str(tuned_hcl), "--auto-approve")
    assert NO_RESTART.search(applied.stdout), applied.stdout

    everywhere = {"log.retention.ms": ("7200000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG)}
    own = {"log.cleaner.threads": ("2", ConfigSource.DYNAMIC_BROKER_CONFIG)}
    for broker in ("0", "1", "2"):
        expected = dict(everywhere, **(own if broker == "2" else {}))
        dev.wait_for(lambda: in_force(dev, ResourceType.BROKER, broker, expected), 60,
                     f"broker {broker} to run with {expected}")
    assert described(dev, ResourceType.BROKER, "0")["log.cleaner.threads"][1] != ConfigSource.DYNAMIC_BROKER_CONFIG
    assert task_ids(dev) == before, "no broker was restarted"

    # The refresh at plan time finds the brokers as applied.
    again = plan(dev, tuned_hcl)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes." in again.stdout and "changed outside" not in again.stdout


def test_changes_made_at_a_broker_show_as_drift_and_apply_brings_them_back(dev, tuned_hcl):
    dev.kmesos("apply", str(tuned_hcl), "--auto-approve")
    before = task_ids(dev)

    alter(dev, ResourceType.TOPIC, "events", "retention.ms", "1000")
    alter(dev, ResourceType.TOPIC, "orders", "retention.ms", "60000")
    alter(dev, ResourceType.BROKER, "0", "log.retention.ms", "1800000")
    alter(dev, ResourceType.BROKER, "1", "log.cleaner.threads", "2")
    set_cluster_default(dev.wait_running(3)[0].addr, "log.retention.ms", "3600000", dev.dir)

    shown = [
        "# cluster.quickstart has changed outside kmesos",
        '~ "log.retention.ms" = "7200000" -> "3600000"',
        "# cluster.quickstart.broker.0 has changed outside kmesos",
        '+ "log.retention.ms" = "1800000"',
        "# cluster.quickstart.broker.1 has changed outside kmesos",
        '+ "log.cleaner.threads" = "2"',
        "# cluster.quickstart.topic.events has changed outside kmesos",
        '~ "retention.ms" = "3600000" -> "1000"',
        "# cluster.quickstart.topic.orders has changed outside kmesos",
        '+ "retention.ms" = "60000"',
        "via refresh from the brokers (DescribeConfigs)",
        "Plan: 0 to create, 5 to update, 0 to restart, 0 to destroy.",
    ]

    def drifted():
        result = plan(dev, tuned_hcl)
        return result if result.returncode == 2 and all(s in result.stdout for s in shown) else None

    drift = dev.wait_for(drifted, 60, "the plan to show every change made at the brokers")
    assert "warning" not in drift.stderr, drift.stderr

    applied = dev.kmesos("apply", str(tuned_hcl), "--auto-approve")
    assert NO_RESTART.search(applied.stdout), applied.stdout
    dev.wait_for(lambda: described(dev, ResourceType.TOPIC, "events")["retention.ms"][0] == "3600000", 60,
                 "events back to the HCL's retention.ms")
    dev.wait_for(lambda: described(dev, ResourceType.BROKER, "0")["log.retention.ms"][0] == "7200000", 60,
                 "broker 0 back to the cluster's log.retention.ms")
    dev.wait_for(lambda: all(described(dev, ResourceType.BROKER, b)["log.retention.ms"] ==
                             ("7200000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG) for b in ("1", "2")), 60,
                 "the cluster-wide log.retention.ms back to the HCL's")
    # What the HCL does not name is gone from the brokers (each broker sees
    # the controller's metadata a moment after the apply's change).
    dev.wait_for(lambda: described(dev, ResourceType.TOPIC, "orders")["retention.ms"][1]
                 != ConfigSource.DYNAMIC_TOPIC_CONFIG, 60, "orders' own retention.ms deleted")
    dev.wait_for(lambda: described(dev, ResourceType.BROKER, "1")["log.cleaner.threads"][1]
                 != ConfigSource.DYNAMIC_BROKER_CONFIG, 60, "broker 1's own log.cleaner.threads deleted")
    assert task_ids(dev) == before, "no broker was restarted"

    settled = plan(dev, tuned_hcl)
    assert settled.returncode == 0, settled.stdout + settled.stderr
    assert "No changes." in settled.stdout


def topic_layout(dev, topic):
    """{partition: replica count} and the topic's own configs as Kafka has
    them, or None while the brokers do not know the topic."""
    client = admin(dev)  # kept alive until the answer comes
    metadata = client.list_topics(timeout=30)
    if topic not in metadata.topics or metadata.topics[topic].error is not None:
        return None
    partitions = {p.id: len(p.replicas) for p in metadata.topics[topic].partitions.values()}
    configs = {k: v for k, (v, source) in described(dev, ResourceType.TOPIC, topic).items()
               if source == ConfigSource.DYNAMIC_TOPIC_CONFIG}
    return partitions, configs


def test_a_topic_is_created_grown_and_destroyed_and_its_replication_factor_kept(dev, tuned_hcl):
    before = task_ids(dev)
    base = tuned_hcl.read_text()
    last = base.rindex("\n}")
    path = dev.dir / "topics" / "main.hcl"
    path.parent.mkdir(exist_ok=True)

    def with_audit(partitions, replicas=3):
        path.write_text(base[:last] + f"""
  topic "audit" {{
    partitions         = {partitions}
    replication_factor = {replicas}
    config = {{
      "cleanup.policy" = "compact"
    }}
  }}""" + base[last:])
        return path

    created = dev.kmesos("apply", str(with_audit(2)), "--auto-approve")
    assert "Apply complete! 1 created, 0 updated, 0 restarted, 0 destroyed." in created.stdout, created.stdout
    expected = ({0: 3, 1: 3}, {"cleanup.policy": "compact"})
    dev.wait_for(lambda: topic_layout(dev, "audit") == expected, 60, f"audit as {expected}")

    grown = dev.kmesos("apply", str(with_audit(5)), "--auto-approve")
    assert "Apply complete! 0 created, 1 updated, 0 restarted, 0 destroyed." in grown.stdout, grown.stdout
    expected = ({p: 3 for p in range(5)}, {"cleanup.policy": "compact"})
    dev.wait_for(lambda: topic_layout(dev, "audit") == expected, 60, f"audit as {expected}")

    refused = plan(dev, with_audit(5, replicas=2))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "cannot change replication_factor from 3 to 2" in refused.stderr, refused.stderr
    assert "topic.audit" in refused.stderr, refused.stderr

    destroyed = dev.kmesos("apply", str(tuned_hcl), "--auto-approve")
    assert "Apply complete! 0 created, 0 updated, 0 restarted, 1 destroyed." in destroyed.stdout, destroyed.stdout
    dev.wait_for(lambda: topic_layout(dev, "audit") is None, 60, "audit gone from the brokers")
    assert task_ids(dev) == before, "no broker was restarted"
