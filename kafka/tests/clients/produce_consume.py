"""A confluent-kafka producer and consumer, both bootstrapped at the endpoint,
exchange messages with the brokers; prints what was consumed as JSON.

The consumer assigns itself the partitions rather than joining a group: a
tansu broker answers a client's Metadata with only itself (node 111), and
librdkafka then drops the brokers it learned from the endpoint mid-join, so
group joins against tansu stall unpredictably (docs/kafka-endpoint.md)."""
import json
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
admin = AdminClient({"bootstrap.servers": bootstrap})
admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])[topic].result(timeout=60)

producer = Producer({"bootstrap.servers": bootstrap})
delivered = []
for i in range(count):
    producer.produce(topic, key=str(i), value=f"message-{i}",
                     on_delivery=lambda err, msg: delivered.append((err, msg.partition())))
left = producer.flush(60)

# A group id is required by the Python API; with assign() no group is joined.
consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "kmesos-test", "enable.auto.commit": False})
consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(2)])
seen = {}
deadline = time.monotonic() + 60
while len(seen) < count and time.monotonic() < deadline:
    msg = consumer.poll(1.0)
    if msg is None or msg.error():
        continue
    seen[msg.value().decode()] = msg.partition()
consumer.close()
print(json.dumps({
    "unflushed": left,
    "delivery_errors": [str(e) for e, _ in delivered if e is not None],
    "produced_partitions": sorted({p for e, p in delivered if e is None}),
    "consumed": sorted(seen),
    "consumed_partitions": sorted(set(seen.values())),
}))
