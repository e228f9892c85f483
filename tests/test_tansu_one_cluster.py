"""The tansu example (three brokers) without its `kafka.endpoint`, on
`kmesos dev`, as a user runs it: the scheduler's own Kafka endpoint
(`--kafka`) serves it, so its brokers work as one cluster. Every broker
describes all three, and every message confluent-kafka producers had
acknowledged with acks=all, bootstrapped at any broker, is read back by a
consumer group bootstrapped at each broker (issue 12)."""

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient

from devcluster import TANSU_EXAMPLE, DevCluster
from kafka_clients import consume_group

TOPIC = "events"
PARTITIONS = 6  # the example's
PER_PRODUCER = 60


def produce_acks_all(bootstrap, prefix):
    """Messages `prefix`-0.. produced with acks=all, to every partition in
    turn (a partitioner might leave one out): those acknowledged."""
    acknowledged, failed = [], []

    def delivered(err, message):
        (failed if err else acknowledged).append(message.value().decode())

    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "message.timeout.ms": 30000})
    for n in range(PER_PRODUCER):
        producer.produce(TOPIC, value=f"{prefix}-{n}".encode(), partition=n % PARTITIONS, on_delivery=delivered)
    assert producer.flush(60) == 0, "messages neither acknowledged nor failed"
    assert not failed, failed
    return acknowledged


def test_a_tansu_cluster_without_an_endpoint_of_its_own_keeps_every_acknowledged_message(tmp_path):
    hcl = (TANSU_EXAMPLE / "main.hcl").read_text()
    assert "    endpoint = var.kafka_endpoint\n" in hcl
    path = tmp_path / "tansu" / "main.hcl"  # the cluster's name
    path.parent.mkdir()
    path.write_text(hcl.replace("    endpoint = var.kafka_endpoint\n", ""))
    with DevCluster(tmp_path, apply=path.parent) as dev:
        dev.wait_output("Apply complete! 6 created, 0 updated, 0 restarted, 0 destroyed.")
        brokers = dev.wait_running(3)

        for broker in brokers:
            metadata = AdminClient({"bootstrap.servers": broker.addr}).list_topics(timeout=30)
            assert sorted(metadata.brokers) == [0, 1, 2], f"{broker}: {metadata.brokers}"
            leaders = sorted(p.leader for p in metadata.topics[TOPIC].partitions.values())
            assert leaders == [0, 0, 1, 1, 2, 2], f"{broker}: partitions led by {leaders}"

        acknowledged = []
        for broker in brokers:
            acknowledged += produce_acks_all(broker.addr, f"via-{broker.id}")
        acknowledged += produce_acks_all(",".join(b.addr for b in brokers), "via-all")
        assert len(acknowledged) == 4 * PER_PRODUCER

        for broker in brokers:
            got = consume_group(broker.addr, TOPIC, len(acknowledged), idle_polls=30)
            missing = sorted(set(acknowledged) - set(got))
            assert not missing, f"read at {broker}: {len(missing)} acknowledged messages missing, e.g. {missing[:5]}"
            assert len(set(got.values())) == PARTITIONS, f"read at {broker}: partitions {sorted(set(got.values()))}"
