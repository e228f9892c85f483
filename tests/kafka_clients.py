"""Small helpers over the real Kafka clients that several end-to-end tests
share."""

import os
import pathlib
import subprocess
import tarfile
import threading
import time
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient


def consume_partition(bootstrap, topic, partition, count, polls=120):
    """Up to `count` messages (as text) from one partition of `topic`, read
    from its beginning with confluent-kafka bootstrapped at `bootstrap`,
    polling at most `polls` seconds."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"kmesos-e2e-{uuid.uuid4()}",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, partition, OFFSET_BEGINNING)])
    got = []
    for _ in range(polls):
        if len(got) >= count:
            break
        message = consumer.poll(1.0)
        if message is not None and message.error() is None:
            got.append(message.value().decode())
    consumer.close()
    return got


def fully_in_sync(bootstrap, topic):
    """Whether every replica of every partition of `topic` is in sync."""
    metadata = AdminClient({"bootstrap.servers": bootstrap}).list_topics(topic, timeout=30)
    partitions = metadata.topics[topic].partitions.values()
    return bool(partitions) and all(sorted(p.isrs) == sorted(p.replicas) for p in partitions)


def consume_group(bootstrap, topic, count, idle_polls=120):
    """Up to `count` messages from every partition of `topic`, as a new
    consumer group's member bootstrapped at `bootstrap`: {value: partition}.
    Gives up after `idle_polls` one-second polls in a row bring nothing."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"kmesos-e2e-{uuid.uuid4()}",
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    got = {}
    idle = 0
    while len(got) < count and idle < idle_polls:
        message = consumer.poll(1.0)
        if message is not None and message.error() is None:
            got[message.value().decode()] = message.partition()
            idle = 0
        else:
            idle += 1
    consumer.close()
    return got


class AcksAllProducer:
    """A producer writing numbered messages to `topic` with acks=all from a
    thread for as long as the `with` block lasts: `acknowledged` holds the
    values the brokers confirmed, `failed` the delivery errors."""

    def __init__(self, bootstrap, topic, per_second=50):
        self.topic = topic
        self.interval = 1.0 / per_second
        self.producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True})
        self.acknowledged = []
        self.failed = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _delivered(self, err, message):
        if err is None:
            self.acknowledged.append(message.value().decode())
        else:
            self.failed.append(f"{message.value().decode()}: {err}")

    def _run(self):
        n = 0
        while not self.stopping.is_set():
            self.producer.produce(self.topic, value=f"m-{n}".encode(), on_delivery=self._delivered)
            self.producer.poll(self.interval)
            n += 1

    def produce_for(self, seconds):
        time.sleep(seconds)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join(timeout=30)
        unsent = self.producer.flush(120)
        assert unsent == 0, f"{unsent} messages neither acknowledged nor failed"


def end_offsets(bootstrap, topic):
    """The sum of the end offsets of `topic`'s partitions: how many messages
    were ever written to it."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"kmesos-e2e-{uuid.uuid4()}"})
    try:
        partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
        return sum(consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1] for p in partitions)
    finally:
        consumer.close()


def committed_offsets(bootstrap, group, topic):
    """The sum of the offsets consumer group `group` committed on `topic`'s
    partitions (a partition it never committed counts 0)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
        committed = consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=30)
        return sum(max(tp.offset, 0) for tp in committed)
    finally:
        consumer.close()


def set_cluster_default(bootstrap, prop, value, workdir):
    """Sets a cluster-wide dynamic broker default with Apache Kafka's own
    ConfigCommand (`kafka-configs --entity-default`), run with `java` from
    the distribution the brokers run (unpacked under `workdir` once): the
    Python clients cannot name the cluster-default resource."""
    libs = _unpacked_libs(pathlib.Path(workdir))
    subprocess.run(
        ["java", "-cp", f"{libs}/*", "kafka.admin.ConfigCommand", "--bootstrap-server", bootstrap,
         "--alter", "--entity-type", "brokers", "--entity-default", "--add-config", f"{prop}={value}"],
        check=True, capture_output=True, text=True, timeout=120,
    )


def _unpacked_libs(workdir):
    home = workdir / "kafka-distribution"
    if not home.exists():
        home.mkdir(parents=True)
        with tarfile.open(os.environ["KMESOS_KAFKA_DIST"]) as archive:
            archive.extractall(home, filter="data")
    return next(home.glob("*/libs"))
