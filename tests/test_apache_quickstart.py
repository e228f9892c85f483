"""The quickstart on `kmesos dev`, as a user runs it: three Apache Kafka
brokers (KRaft, every one a controller voter) on three agents form one
cluster. confluent-kafka's DescribeCluster shows each broker with the rack of
its agent; the topics have three in-sync replicas; an acks=all producer and a
consumer group exchange messages; kcat at the scheduler's Kafka endpoint
lists the brokers and partitions Kafka itself reports. Rolling restarts, from
`kmesos broker restart` and from a restart-forcing HCL change, lose no
acknowledged message while a producer keeps writing with acks=all; the plan
says beforehand which broker stops would take partitions offline (a topic
with one replica), and `apply` refuses such a plan unless told
`--allow-unavailable`."""

import json
import re
import shutil
import subprocess

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, ResourceType

from devcluster import QUICKSTART, DevCluster
from kafka_clients import AcksAllProducer, consume_group, fully_in_sync

RACKS = {"127.0.0.2": "r1", "127.0.0.3": "r2", "127.0.0.4": "r3"}
APPLIED = "Apply complete! 6 created, 0 updated, 0 restarted, 0 destroyed."


def partitions_seen_by_kafka(bootstrap):
    metadata = AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=30)
    brokers = {b.id: f"{b.host}:{b.port}" for b in metadata.brokers.values()}
    topics = {
        name: {p: sorted(m.replicas) for p, m in t.partitions.items()}
        for name, t in metadata.topics.items() if not name.startswith("__")
    }
    return brokers, topics


def partitions_seen_by_kcat(bootstrap):
    kcat = shutil.which("kcat")
    assert kcat, "kcat is installed by scripts/setup.sh"
    out = subprocess.run([kcat, "-b", bootstrap, "-L", "-J"], capture_output=True, text=True, timeout=60, check=True)
    metadata = json.loads(out.stdout)
    brokers = {b["id"]: b["name"] for b in metadata["brokers"]}
    topics = {
        t["topic"]: {p["partition"]: sorted(r["id"] for r in p["replicas"]) for p in t["partitions"]}
        for t in metadata["topics"] if not t["topic"].startswith("__")
    }
    return brokers, topics


def test_quickstart_forms_one_replicated_cluster_that_real_clients_use(tmp_path):
    with DevCluster(tmp_path, apply=QUICKSTART) as dev:
        dev.wait_output(APPLIED, timeout=300)
        brokers = dev.wait_running(3)
        bootstrap = brokers[0].addr

        admin = AdminClient({"bootstrap.servers": bootstrap})
        described = admin.describe_cluster(request_timeout=30).result()
        nodes = {n.id: (f"{n.host}:{n.port}", n.rack) for n in described.nodes}
        assert nodes == {b.id: (b.addr, RACKS[b.host]) for b in brokers}, nodes

        metadata = admin.list_topics(timeout=30)
        for topic, count in (("orders", 3), ("events", 6)):
            partitions = metadata.topics[topic].partitions
            assert len(partitions) == count, (topic, partitions)
            assert all(len(p.replicas) == 3 for p in partitions.values()), partitions
        dev.wait_for(lambda: fully_in_sync(bootstrap, "orders"), 60, "orders fully in sync")
        config = admin.describe_configs([ConfigResource(ResourceType.TOPIC, "events")])
        [described_events] = [f.result() for f in config.values()]
        assert described_events["retention.ms"].value == "3600000"
        assert described_events["min.insync.replicas"].value == "2"

        producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True})
        sent = [f"order-{i}" for i in range(30)]
        for i, value in enumerate(sent):
            producer.produce("orders", value=value.encode(), partition=i % 3)
        assert producer.flush(60) == 0, "messages left unsent"
        got = consume_group(brokers[1].addr, "orders", len(sent))
        assert sorted(got) == sorted(sent)
        assert set(got.values()) == {0, 1, 2}, "the group reads every partition"

        # The scheduler's endpoint describes the cluster as Kafka does.
        assert partitions_seen_by_kcat(dev.kafka) == partitions_seen_by_kafka(bootstrap)


def test_rolling_restarts_lose_no_acknowledged_message_and_unsafe_ones_need_consent(tmp_path):
    with DevCluster(tmp_path, apply=QUICKSTART) as dev:
        dev.wait_output(APPLIED, timeout=300)
        before = {b.id: b for b in dev.wait_running(3)}
        bootstrap = ",".join(b.addr for b in before.values())
        dev.wait_for(lambda: fully_in_sync(bootstrap, "orders"), 60, "orders fully in sync")

        with AcksAllProducer(bootstrap, "orders") as producer:
            restart = dev.kmesos("broker", "restart", "1")
            assert "Apply complete! 0 created, 0 updated, 1 restarted, 0 destroyed." in restart.stdout, restart.stdout
            after_one = {b.id: b for b in dev.wait_running(3)}
            assert after_one[1].task_id != before[1].task_id
            assert after_one[1].host == before[1].host, "a voter comes back on its agent and volume"

            # A bigger heap restarts every broker, one at a time: safe while
            # every partition has three in-sync replicas.
            bigger = ("--var", "broker_heap=320")
            safe = dev.kmesos("plan", str(QUICKSTART), *bigger)
            assert "every broker stop keeps each partition at or above min.insync.replicas" in safe.stdout, safe.stdout
            # The roll's cost, from broker 1's restart just timed; the
            # others count as it did.
            timed = re.search(r"cluster\.quickstart\.broker\.1 \(restart\): last restart took (\d+) s", safe.stdout)
            assert timed and int(timed.group(1)) > 0, safe.stdout
            assert "cluster.quickstart.broker.0 (restart): not restarted by kmesos yet" in safe.stdout, safe.stdout
            assert f"The roll should take about {3 * int(timed.group(1))} s" in safe.stdout, safe.stdout

            # A topic with one replica goes offline while its broker restarts.
            admin = AdminClient({"bootstrap.servers": bootstrap})
            admin.create_topics([NewTopic("fragile", num_partitions=1, replication_factor=1)])["fragile"].result(60)

            def fragile_replicas():
                partitions = admin.list_topics("fragile", timeout=30).topics["fragile"].partitions
                return 0 in partitions and partitions[0].replicas
            [holder] = dev.wait_for(fragile_replicas, 60, "fragile's replica")
            risky = dev.kmesos("plan", str(QUICKSTART), *bigger)
            assert f"# stopping cluster.quickstart.broker.{holder} (restart) would leave" in risky.stdout, risky.stdout
            assert "#   fragile-0: offline (no in-sync replica left)" in risky.stdout, risky.stdout
            refused = dev.kmesos("apply", str(QUICKSTART), "--auto-approve", *bigger, check=False)
            assert refused.returncode == 1 and "--allow-unavailable" in refused.stderr, refused.stdout + refused.stderr
            assert {b.id: b.task_id for b in dev.wait_running(3)} == {i: b.task_id for i, b in after_one.items()}, \
                "nothing was restarted"

            roll = dev.kmesos("apply", str(QUICKSTART), "--auto-approve", *bigger, "--allow-unavailable")
            assert "0 created, 3 updated" in roll.stdout or "3 restarted" in roll.stdout, roll.stdout
            after_roll = {b.id: b for b in dev.wait_running(3)}
            assert all(after_roll[i].task_id != after_one[i].task_id for i in range(3))
            producer.produce_for(5)
        acknowledged = producer.acknowledged
        assert len(acknowledged) > 100, f"the producer kept writing: {len(acknowledged)}"
        assert producer.failed == [], producer.failed[:5]

        read = consume_group(bootstrap, "orders", len(acknowledged), idle_polls=30)
        missing = set(acknowledged) - set(read)
        assert not missing, f"{len(missing)} acknowledged messages lost, e.g. {sorted(missing)[:5]}"
