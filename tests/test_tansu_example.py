"""The tansu example on `kmesos dev`, as a user runs it: three tansu brokers on
three agents answer real Kafka clients (confluent-kafka and kafka-python)
as one cluster: a client bootstrapped at any broker sees all three, and
partition p of "orders" is led by broker p. Messages produced are consumed
back, and are still there after `kmesos broker restart` (the data lives on
the broker's volume)."""


from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from kafka import KafkaConsumer, KafkaProducer
from kafka import TopicPartition as KpTopicPartition

from devcluster import TANSU_EXAMPLE, DevCluster
from kafka_clients import consume_partition

TOPIC = "orders"


def produce_confluent(addr, partition, values):
    producer = Producer({"bootstrap.servers": addr, "message.timeout.ms": 30000})
    for value in values:
        producer.produce(TOPIC, value=value.encode(), partition=partition)
    assert producer.flush(30) == 0, "messages left unsent"


def produce_kafka_python(addr, partition, values):
    # Idempotent (kafka-python's default): its producer id must be known to
    # the broker leading the partition, not only to the one that gave it.
    producer = KafkaProducer(bootstrap_servers=addr, request_timeout_ms=30000)
    for value in values:
        producer.send(TOPIC, value=value.encode(), partition=partition).get(timeout=30)
    producer.close()


def consume_kafka_python(addr, partition, count):
    consumer = KafkaConsumer(bootstrap_servers=addr, enable_auto_commit=False, consumer_timeout_ms=2000)
    partition = KpTopicPartition(TOPIC, partition)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    got = []
    for _ in range(30):
        for message in consumer:
            got.append(message.value.decode())
        if len(got) >= count:
            break
    consumer.close()
    return got


def test_tansu_brokers_serve_real_clients_and_keep_data_across_a_restart(tmp_path):
    with DevCluster(tmp_path, apply=TANSU_EXAMPLE) as dev:
        dev.wait_output("Apply complete! 6 created, 0 updated, 0 restarted, 0 destroyed.")
        brokers = dev.wait_running(3)
        assert sorted(b.id for b in brokers) == [0, 1, 2]
        assert len({b.host for b in brokers}) == 3, f"one broker per agent: {brokers}"

        sent = {}
        for broker in brokers:
            # Bootstrapped at this broker, a client sees the whole cluster.
            metadata = AdminClient({"bootstrap.servers": broker.addr}).list_topics(timeout=30)
            assert {"orders", "events"} <= set(metadata.topics), f"{broker}: {sorted(metadata.topics)}"
            assert sorted(metadata.brokers) == [0, 1, 2], f"{broker}: {metadata.brokers}"
            leaders = {p: m.leader for p, m in metadata.topics[TOPIC].partitions.items()}
            assert leaders == {0: 0, 1: 1, 2: 2}, leaders
            # Partition p lives on broker p; clients bootstrapped at the
            # next broker write to and read from it there.
            partition = broker.id
            bootstrap = brokers[(brokers.index(broker) + 1) % len(brokers)].addr
            first = [f"confluent-{broker.id}-{i}" for i in range(5)]
            second = [f"kafka-python-{broker.id}-{i}" for i in range(5)]
            produce_confluent(bootstrap, partition, first)
            produce_kafka_python(bootstrap, partition, second)
            sent[partition] = first + second
            assert consume_partition(bootstrap, TOPIC, partition, 10) == sent[partition]
            assert consume_kafka_python(bootstrap, partition, 10) == sent[partition]

        before = {b.id: b for b in brokers}
        restart = dev.kmesos("broker", "restart", "0")
        assert "Apply complete! 0 created, 0 updated, 1 restarted, 0 destroyed." in restart.stdout, restart.stdout

        after = {b.id: b for b in dev.wait_running(3)}
        assert after[0].task_id != before[0].task_id, "broker 0 runs as a new task"
        assert after[0].host == before[0].host, "restarted on the agent holding its volume"
        assert after[1].task_id == before[1].task_id and after[2].task_id == before[2].task_id
        assert consume_partition(after[0].addr, TOPIC, 0, 10) == sent[0]
        assert consume_kafka_python(after[1].addr, 0, 10) == sent[0]
