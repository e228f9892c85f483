"""Small helpers over the real Kafka clients that several end-to-end tests
share."""

import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition


def consume_partition(bootstrap, topic, partition, count):
    """Up to `count` messages (as text) from one partition of `topic`, read
    from its beginning with confluent-kafka bootstrapped at `bootstrap`."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"kmesos-e2e-{uuid.uuid4()}",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, partition, OFFSET_BEGINNING)])
    got = []
    for _ in range(120):
        if len(got) >= count:
            break
        message = consumer.poll(1.0)
        if message is not None and message.error() is None:
            got.append(message.value().decode())
    consumer.close()
    return got


def consume_group(bootstrap, topic, count):
    """Up to `count` messages from every partition of `topic`, as a new
    consumer group's member bootstrapped at `bootstrap`: {value: partition}."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"kmesos-e2e-{uuid.uuid4()}",
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    got = {}
    for _ in range(120):
        if len(got) >= count:
            break
        message = consumer.poll(1.0)
        if message is not None and message.error() is None:
            got[message.value().decode()] = message.partition()
    consumer.close()
    return got
