"""The scheduler's Kafka endpoint on `kmesos dev` with the quickstart applied,
driven by clients nobody here wrote: kcat lists the brokers (never the
endpoint); confluent-kafka's AdminClient creates, describes and deletes a
topic and describes and alters a broker's config; kafka-python describes
broker configs, alters a dynamic one, the cluster-wide one and a managed
topic's config; a producer and a consumer group bootstrapped at the endpoint
exchange messages through every partition, so with every broker. Then
`kmesos plan examples/quickstart` shows the outside changes to managed
resources as drift, with the changes that bring them back, and leaves the
topic no HCL manages alone; `kmesos apply` undoes them and the drift goes."""

import glob
import json
import os
import socket
import subprocess
import uuid

import confluent_kafka
from confluent_kafka import Producer, TopicCollection
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic
from kafka import KafkaAdminClient
from kafka.protocol.admin import DescribeConfigsRequest, IncrementalAlterConfigsRequest

from devcluster import TANSU_EXAMPLE, DevCluster
from kafka_clients import consume_group

RESOURCE_TOPIC, RESOURCE_BROKER = 2, 4
# DescribeConfigs sources of dynamic broker properties.
DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG = 2, 3
SCRATCH = f"scratch-{uuid.uuid4().hex[:8]}"


def listening(addr):
    host, port = addr.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=5):
            return True
    except OSError:
        return False


def kcat_listing(bootstrap, tmp_path):
    """`kcat -L` with the confluent-kafka wheel's librdkafka: Debian's kcat
    links librdkafka 2.0, which cannot talk to tansu."""
    wheel_libs = os.path.join(os.path.dirname(confluent_kafka.__file__), "..", "confluent_kafka.libs")
    libs = tmp_path / "kcat-libs"
    libs.mkdir()
    (libs / "librdkafka.so.1").symlink_to(glob.glob(os.path.join(wheel_libs, "librdkafka*"))[0])
    result = subprocess.run(
        ["kcat", "-L", "-b", bootstrap, "-m", "30"],
        env=dict(os.environ, LD_LIBRARY_PATH=str(libs)),
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


class ConfigClient:
    """kafka-python config requests, bootstrapped at the endpoint and sent
    to broker `via`, whose front hands them to the endpoint (kafka-python's
    admin client wraps no IncrementalAlterConfigs of the empty, cluster-wide
    BROKER name)."""

    def __init__(self, bootstrap, via):
        self.admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="kmesos-e2e")
        self.via = via

    def send(self, request):
        async def call():
            return await self.admin._manager.send(request, node_id=self.via)
        return self.admin._manager.run(call)

    def entries(self, resource_type, name):
        result = self.send(DescribeConfigsRequest(resources=[(resource_type, name, None)], include_synonyms=False)).results[0]
        assert result.error_code == 0, result
        return {c.name: (c.value, c.config_source) for c in result.configs}

    def describe(self, resource_type, name):
        return {key: value for key, (value, _) in self.entries(resource_type, name).items()}

    def alter(self, resource_type, name, key, value):
        response = self.send(IncrementalAlterConfigsRequest(
            resources=[(resource_type, name, [(key, 0, value)])], validate_only=False))
        r = response.responses[0]
        return r.error_code, r.error_message

    def close(self):
        self.admin.close()


def exchange(bootstrap, topic, count):
    """Produces `count` messages spread over the partitions of `topic` and
    reads them back as a consumer group: {value: partition}."""
    producer = Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": 60000})
    delivered = []
    for i in range(count):
        producer.produce(topic, key=str(i), value=f"m-{i}", on_delivery=lambda err, msg: delivered.append(err))
    assert producer.flush(60) == 0, "messages left unsent"
    assert [e for e in delivered if e is not None] == []
    return consume_group(bootstrap, topic, count)


def test_real_clients_through_the_endpoint_and_plan_shows_their_changes_as_drift(tmp_path):
    with DevCluster(tmp_path, apply=TANSU_EXAMPLE) as dev:
        dev.wait_output("Apply complete!")
        brokers = dev.wait_running(3)
        bootstrap = dev.kafka
        dev.wait_for(lambda: listening(bootstrap), 60, f"the Kafka endpoint on {bootstrap}")

        listing = kcat_listing(bootstrap, tmp_path)
        for broker in brokers:
            assert f"broker {broker.id} at {broker.addr}" in listing, listing
        assert f"at {bootstrap}" not in listing, f"the endpoint is listed as a broker: {listing}"

        admin = AdminClient({"bootstrap.servers": bootstrap})
        admin.create_topics([NewTopic(SCRATCH, num_partitions=3, replication_factor=1)])[SCRATCH].result(timeout=60)
        described = admin.describe_topics(TopicCollection([SCRATCH]))[SCRATCH].result(timeout=60)
        assert described.name == SCRATCH
        assert sorted(p.leader.id for p in described.partitions) == sorted(b.id for b in brokers)
        assert {"orders", "events", SCRATCH} <= set(admin.list_topics(timeout=30).topics)

        received = exchange(bootstrap, SCRATCH, 30)
        assert sorted(received) == sorted(f"m-{i}" for i in range(30))
        assert set(received.values()) == {0, 1, 2}, "every partition, so every broker, carried messages"

        first = str(brokers[0].id)
        node = ConfigClient(bootstrap, brokers[-1].id)
        try:
            # What kmesos rendered: the quickstart sets no broker property.
            assert "log.cleaner.threads" not in node.describe(RESOURCE_BROKER, first)
            assert node.alter(RESOURCE_BROKER, first, "log.cleaner.threads", "2") == (0, None)
            error, message = node.alter(RESOURCE_BROKER, first, "log.dirs", "/elsewhere")
            assert error != 0 and "Cannot update these configs dynamically" in message
            # Recorded in the state, the endpoint describes it from there.
            dev.wait_for(lambda: node.describe(RESOURCE_BROKER, first).get("log.cleaner.threads") == "2",
                         60, "the altered broker config")
            assert node.alter(RESOURCE_TOPIC, "events", "retention.ms", "1000") == (0, None)

            # The cluster-wide broker config: the BROKER resource with the
            # empty name, as Kafka names it.
            assert "log.retention.ms" not in node.describe(RESOURCE_BROKER, "")  # the quickstart sets none
            assert node.alter(RESOURCE_BROKER, "", "log.retention.ms", "7200000") == (0, None)
            dev.wait_for(lambda: node.entries(RESOURCE_BROKER, "").get("log.retention.ms")
                         == ("7200000", DYNAMIC_DEFAULT_BROKER_CONFIG), 60, "the altered cluster-wide broker config")
        finally:
            node.close()

        # confluent-kafka (librdkafka) reaches a broker's config through that broker.
        own = ConfigResource(ConfigResource.Type.BROKER, first)
        (future,) = admin.describe_configs([own]).values()
        threads = future.result(timeout=60)["log.cleaner.threads"]
        assert (threads.value, int(threads.source)) == ("2", DYNAMIC_BROKER_CONFIG)

        def drifted():
            drift = dev.state()["clusters"]["tansu"].get("drift", {})
            expected = {"cluster.tansu", f"cluster.tansu.broker.{first}", "cluster.tansu.topic.events"}
            return drift if expected <= set(drift) else None

        drift = dev.wait_for(drifted, 60, "the outside changes in the state")
        assert drift["cluster.tansu.topic.events"]["applied"]["spec"]["config"] == {"retention.ms": "3600000"}

        text = dev.kmesos("plan", str(TANSU_EXAMPLE)).stdout
        notes, actions = text.split("kmesos will perform", 1)
        assert "# cluster.tansu.topic.events has changed outside kmesos" in notes, text
        assert '"retention.ms" = "3600000" -> "1000"' in notes, text
        assert "via Kafka endpoint" in notes, text
        assert '"retention.ms" = "1000" -> "3600000"' in actions, text
        assert '- "log.cleaner.threads" = "2"' in actions, text
        assert '- "log.retention.ms" = "7200000"' in actions, text
        assert SCRATCH not in text, "a topic no HCL manages is in the plan"

        plan = json.loads(dev.kmesos("plan", str(TANSU_EXAMPLE), "--json").stdout)
        assert [d["address"] for d in plan["drift"]] == [
            "cluster.tansu", f"cluster.tansu.broker.{first}", "cluster.tansu.topic.events"]
        assert all(SCRATCH not in c["address"] for c in plan["changes"])

        # Applying the HCL undoes the outside changes, and their drift goes.
        dev.kmesos("apply", str(TANSU_EXAMPLE), "--auto-approve")
        assert "drift" not in dev.state()["clusters"]["tansu"]
        again = dev.kmesos("plan", str(TANSU_EXAMPLE)).stdout
        assert again.startswith("No changes."), again

        admin.delete_topics([SCRATCH])[SCRATCH].result(timeout=60)
        assert SCRATCH not in admin.list_topics(timeout=30).topics
