"""The quickstart on `kmesos dev`, as a user runs it: three tansu brokers on
three agents, each answering real Kafka clients (confluent-kafka and
kafka-python); messages produced are consumed back, and are still there
after `kmesos broker restart` (the data lives on the broker's volume)."""


from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from kafka import KafkaConsumer, KafkaProducer
from kafka import TopicPartition as KpTopicPartition

from devcluster import QUICKSTART, DevCluster
from kafka_clients import consume_partition0

TOPIC = "orders"


def produce_confluent(addr, values):
    producer = Producer({"bootstrap.servers": addr, "message.timeout.ms": 30000})
    for value in values:
        producer.produce(TOPIC, value=value.encode(), partition=0)
    assert producer.flush(30) == 0, "messages left unsent"


def produce_kafka_python(addr, values):
    producer = KafkaProducer(bootstrap_servers=addr, request_timeout_ms=30000)
    for value in values:
        producer.send(TOPIC, value=value.encode(), partition=0).get(timeout=30)
    producer.close()


def consume_kafka_python(addr, count):
    consumer = KafkaConsumer(bootstrap_servers=addr, enable_auto_commit=False, consumer_timeout_ms=2000)
    partition = KpTopicPartition(TOPIC, 0)
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


def test_quickstart_brokers_serve_real_clients_and_keep_data_across_a_restart(tmp_path):
    with DevCluster(tmp_path, apply=QUICKSTART) as dev:
        dev.wait_output("Apply complete! 6 created, 0 updated, 0 restarted, 0 destroyed.")
        brokers = dev.wait_running(3)
        assert sorted(b.id for b in brokers) == [0, 1, 2]
        assert len({b.host for b in brokers}) == 3, f"one broker per agent: {brokers}"

        sent = {}
        for broker in brokers:
            topics = AdminClient({"bootstrap.servers": broker.addr}).list_topics(timeout=30).topics
            assert {"orders", "events"} <= set(topics), f"{broker}: {sorted(topics)}"
            first = [f"confluent-{broker.id}-{i}" for i in range(5)]
            second = [f"kafka-python-{broker.id}-{i}" for i in range(5)]
            produce_confluent(broker.addr, first)
            produce_kafka_python(broker.addr, second)
            sent[broker.id] = first + second
            assert consume_partition0(broker.addr, TOPIC, 10) == sent[broker.id]
            assert consume_kafka_python(broker.addr, 10) == sent[broker.id]

        before = {b.id: b for b in brokers}
        restart = dev.kmesos("broker", "restart", "0")
        assert "Apply complete! 0 created, 0 updated, 1 restarted, 0 destroyed." in restart.stdout, restart.stdout

        after = {b.id: b for b in dev.wait_running(3)}
        assert after[0].task_id != before[0].task_id, "broker 0 runs as a new task"
        assert after[0].host == before[0].host, "restarted on the agent holding its volume"
        assert after[1].task_id == before[1].task_id and after[2].task_id == before[2].task_id
        assert consume_partition0(after[0].addr, TOPIC, 10) == sent[0]
        assert consume_kafka_python(after[0].addr, 10) == sent[0]
