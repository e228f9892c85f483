"""Small helpers over the real Kafka clients that several end-to-end tests
share."""

import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition


def consume_partition0(bootstrap, topic, count):
    """Up to `count` messages (as text) from partition 0 of `topic`, read
    from its beginning with confluent-kafka. assign(), not a group join:
    see docs/kafka-endpoint.md on tansu."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"kmesos-e2e-{uuid.uuid4()}",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    got = []
    for _ in range(120):
        if len(got) >= count:
            break
        message = consumer.poll(1.0)
        if message is not None and message.error() is None:
            got.append(message.value().decode())
    consumer.close()
    return got
