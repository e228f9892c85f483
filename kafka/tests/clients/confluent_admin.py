"""Drives the endpoint with confluent-kafka's AdminClient (librdkafka) and
prints what it saw as JSON: the caller asserts on it."""
import json
import sys

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

bootstrap = sys.argv[1]
admin = AdminClient({"bootstrap.servers": bootstrap})
out = {}


def outcome(future):
    try:
        future.result(timeout=60)
        return "ok"
    except KafkaException as e:
        return e.args[0].name()


fs = admin.create_topics([NewTopic("orders", num_partitions=3, replication_factor=1)])
out["create"] = outcome(fs["orders"])
fs = admin.create_topics([NewTopic("orders", num_partitions=3, replication_factor=1)])
out["create_again"] = outcome(fs["orders"])
fs = admin.create_topics([NewTopic("dry", num_partitions=1, replication_factor=1)], validate_only=True)
out["validate_only"] = outcome(fs["dry"])
md = admin.list_topics(timeout=60)
out["brokers"] = sorted(b.id for b in md.brokers.values())
out["topics"] = {name: sorted(p.leader for p in t.partitions.values())
                 for name, t in md.topics.items()}
desc = admin.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, "orders")])
out["describe_topic"] = outcome(list(desc.values())[0])
fs = admin.delete_topics(["orders"])
out["delete"] = outcome(fs["orders"])
fs = admin.delete_topics(["orders"])
out["delete_again"] = outcome(fs["orders"])
md = admin.list_topics(timeout=60)
out["topics_after"] = sorted(md.topics)
print(json.dumps(out))
