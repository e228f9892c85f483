"""A real Kafka client (confluent-kafka) for the executor's tests.

  kafka_client.py produce BOOTSTRAP TOPIC MESSAGE   create TOPIC, produce MESSAGE
  kafka_client.py consume BOOTSTRAP TOPIC           print every message in TOPIC

Exits non-zero with the reason on stderr when the broker does not cooperate.
"""

import sys
import time
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TIMEOUT = 30.0


def produce(bootstrap, topic, message):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    # tansu does not auto-create topics.
    created = admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    created[topic].result(timeout=TIMEOUT)
    failures = []
    producer = Producer({"bootstrap.servers": bootstrap})
    producer.produce(topic, message.encode(), on_delivery=lambda err, _msg: err and failures.append(err))
    if producer.flush(TIMEOUT) or failures:
        sys.exit(f"produce to {topic} failed: {failures or 'not delivered in time'}")


def consume(bootstrap, topic):
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"executor-test-{uuid.uuid4()}",
        "enable.auto.commit": False,
    })
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    deadline = time.monotonic() + TIMEOUT
    seen = 0
    while time.monotonic() < deadline:
        msg = consumer.poll(1.0)
        if msg is None:
            if seen:
                break
            continue
        if msg.error():
            sys.exit(f"consume from {topic} failed: {msg.error()}")
        print(msg.value().decode())
        seen += 1
    consumer.close()
    if not seen:
        sys.exit(f"no message in {topic} within {TIMEOUT}s")


if __name__ == "__main__":
    command, bootstrap, topic, *rest = sys.argv[1:]
    if command == "produce":
        produce(bootstrap, topic, *rest)
    else:
        consume(bootstrap, topic)
