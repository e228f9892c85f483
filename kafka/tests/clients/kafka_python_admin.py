"""kafka-python (a pure-Python client, independent of librdkafka)
bootstrapped at the endpoint. Requests that kafka-python's admin client does
not wrap are sent to broker `via` (argv[3]), whose front hands them to the
endpoint. Prints what it saw as JSON for the caller to assert on."""
import json
import sys

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError
from kafka.protocol.admin import DescribeClusterRequest, DescribeConfigsRequest, IncrementalAlterConfigsRequest
from kafka.protocol.metadata import MetadataRequest

bootstrap, broker, via = sys.argv[1], sys.argv[2], int(sys.argv[3])
admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="kmesos-test")
out = {}


def send(request):
    async def call():
        return await admin._manager.send(request, node_id=via)
    return admin._manager.run(call)


cluster = send(DescribeClusterRequest(include_cluster_authorized_operations=False))
out["cluster_id"] = cluster.cluster_id
out["controller_id"] = cluster.controller_id
out["brokers"] = sorted(b.broker_id for b in cluster.brokers)

# The admin client's topic calls go to the controller, a broker whose front
# hands them to the endpoint.
admin._controller_id = cluster.controller_id

try:
    admin.create_topics([NewTopic("payments", num_partitions=2, replication_factor=1)])
    out["create"] = "ok"
except KafkaError as e:
    out["create"] = type(e).__name__


def listed():
    metadata = send(MetadataRequest(topics=None, allow_auto_topic_creation=False))
    return {t.name: sorted(p.leader_id for p in t.partitions) for t in metadata.topics}


out["listed"] = listed()
admin.delete_topics(["payments"])
out["listed_after_delete"] = listed()


def describe():
    response = send(DescribeConfigsRequest(resources=[(4, broker, None)], include_synonyms=False))
    result = response.results[0]
    return result.error_code, {c.name: {"value": c.value, "source": c.config_source,
                                        "sensitive": c.is_sensitive} for c in result.configs}


def alter(name, value):
    response = send(IncrementalAlterConfigsRequest(
        resources=[(4, broker, [(name, 0, value)])], validate_only=False))
    r = response.responses[0]
    return {"error_code": r.error_code, "message": r.error_message}


out["describe_error"], out["describe"] = describe()
out["alter_dynamic"] = alter("log.retention.ms", "3600000")
out["alter_static"] = alter("log.dirs", "/elsewhere")
out["after"] = describe()[1].get("log.retention.ms")
print(json.dumps(out))
