"""A confluent-kafka producer and a consumer group member, both bootstrapped
at the endpoint, exchange messages with the brokers; prints what was
consumed as JSON. argv: bootstrap, topic, message count, producer acks,
enable.idempotence (true/false)."""
import json
import sys
import time

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, topic, count, acks, idempotent = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
admin = AdminClient({"bootstrap.servers": bootstrap})
admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])[topic].result(timeout=60)

producer = Producer({"bootstrap.servers": bootstrap, "acks": acks, "enable.idempotence": idempotent})
delivered = []
for i in range(count):
    producer.produce(topic, key=str(i), value=f"message-{i}",
                     on_delivery=lambda err, msg: delivered.append((err, msg.partition())))
left = producer.flush(60)

consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"readers-of-{topic}",
                     "auto.offset.reset": "earliest"})
consumer.subscribe([topic])
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
