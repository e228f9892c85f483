"""Describes and alters one broker's config (broker argv[2]) with
confluent-kafka's AdminClient (librdkafka), bootstrapped at the endpoint.
librdkafka sends a BROKER config request to the broker the resource names;
its front hands it to the endpoint. Prints what it saw as JSON for the caller
to assert on."""
import json
import sys

from confluent_kafka import KafkaException
from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry,
                                   ConfigResource)

bootstrap, node = sys.argv[1], sys.argv[2]
admin = AdminClient({"bootstrap.servers": bootstrap})
BROKER = ConfigResource.Type.BROKER
out = {}


def refusal(future):
    """None when the call succeeded, else the error's name and message."""
    try:
        future.result(timeout=60)
        return None
    except KafkaException as e:
        return {"name": e.args[0].name(), "message": e.args[0].str()}


def describe():
    (future,) = admin.describe_configs([ConfigResource(BROKER, node)]).values()
    return {name: {"value": e.value, "source": e.source, "sensitive": e.is_sensitive}
            for name, e in future.result(timeout=60).items()}


def alter_incrementally(name, value):
    entry = ConfigEntry(name, value, incremental_operation=AlterConfigOpType.SET)
    (future,) = admin.incremental_alter_configs(
        [ConfigResource(BROKER, node, incremental_configs=[entry])]).values()
    return refusal(future)


out["before"] = describe()
out["alter_dynamic"] = alter_incrementally("log.retention.ms", "3600000")
out["alter_static"] = alter_incrementally("log.dirs", "/elsewhere")
out["alter_per_broker"] = alter_incrementally("follower.replication.throttled.rate", "1000000")
(future,) = admin.alter_configs(
    [ConfigResource(BROKER, node, set_config={"message.max.bytes": "2000000"})]).values()
out["alter_legacy"] = refusal(future)
out["after"] = describe()
print(json.dumps(out))
