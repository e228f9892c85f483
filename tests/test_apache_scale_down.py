"""Scale-down and scale-up of an Apache Kafka cluster under kmesos while an
acks=all producer keeps writing. Down: the HCL goes from four brokers to three, `kmesos
plan` shows the replicas broker 3 hands over, the apply moves them with
Kafka's partition reassignment (throttled, the throttle removed after) and
stops the broker only then; every acknowledged message reads back, and the
topic's replicas, as a standard client describes them, are on the three
brokers left with full ISRs. A scale-down below the topic's replication
factor is refused by `plan`, naming the topic and the numbers. Up, with
`rebalance = true`: `kmesos plan` shows the moves that spread the replicas,
and the apply makes them once the new broker runs, then elects the
preferred leaders; every broker ends with an even share of the replicas
and of the leaderships, and every acknowledged message reads back."""

import json

from confluent_kafka import TopicCollection
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewTopic, ResourceType

from devcluster import SMALL_APACHE_BROKER, DevCluster
from kafka_clients import AcksAllProducer, consume_group, fully_in_sync

# One broker per agent.
BROKER = '''
  broker "{ids}" {{
    constraints = {{
      hostname = "unique"
    }}
{resources}  }}
'''

CONFIG = '''
cluster "scale" {{
  kafka {{
    kind                  = "apache"
    reassignment_throttle = "10MB/s"
    rebalance             = {rebalance}
  }}
  config = {{
    "min.insync.replicas"        = 2
    "default.replication.factor" = 3
  }}
{brokers}
  topic "orders" {{
    partitions         = 8
    replication_factor = 3
  }}
}}
'''


def config(*ranges, rebalance=False):
    brokers = "".join(BROKER.format(ids=r, resources=SMALL_APACHE_BROKER) for r in ranges)
    return CONFIG.format(brokers=brokers, rebalance=str(rebalance).lower())


def replicas(bootstrap, topic):
    """{partition: (replicas, isr)} as DescribeTopics reports them."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    described = admin.describe_topics(TopicCollection([topic]))[topic].result(timeout=60)
    return {p.id: ([n.id for n in p.replicas], [n.id for n in p.isr]) for p in described.partitions}


DYNAMIC = (ConfigSource.DYNAMIC_TOPIC_CONFIG, ConfigSource.DYNAMIC_BROKER_CONFIG)


def throttles_left(bootstrap):
    """The replication throttle configs set dynamically on brokers 0-2 and
    on the topic."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    resources = [ConfigResource(ResourceType.BROKER, str(b)) for b in range(3)]
    resources.append(ConfigResource(ResourceType.TOPIC, "orders"))
    left = []
    for resource in resources:  # one broker per DescribeConfigs call
        [future] = admin.describe_configs([resource]).values()
        for name, entry in future.result(timeout=60).items():
            dynamic = ConfigSource(entry.source) in DYNAMIC
            if "replication.throttled" in name and dynamic:
                left.append(f"{resource.name}: {name}={entry.value}")
    return left


def test_a_broker_taken_out_of_the_hcl_hands_its_replicas_over_before_it_stops(tmp_path):
    hcl = tmp_path / "scale.hcl"
    hcl.write_text(config("0..3"))
    with DevCluster(tmp_path, agents=4) as dev:
        applied = dev.kmesos("apply", str(hcl), "--auto-approve")
        assert "Apply complete! 6 created, 0 updated, 0 restarted, 0 destroyed." in applied.stdout, applied.stdout
        brokers = {b.id: b for b in dev.wait_running(4, cluster="scale")}
        bootstrap = ",".join(b.addr for b in brokers.values())
        dev.wait_for(lambda: fully_in_sync(bootstrap, "orders"), 60, "orders fully in sync")
        held = [p for p, (r, _) in replicas(bootstrap, "orders").items() if 3 in r]
        assert held, "broker 3 holds replicas of orders before the scale-down"

        # A topic kmesos does not manage, replicated on three brokers: two
        # brokers left would be fewer than its replication factor.
        admin = AdminClient({"bootstrap.servers": bootstrap})
        admin.create_topics([NewTopic("audit", 2, 3)])["audit"].result(timeout=60)
        below = tmp_path / "below.hcl"
        below.write_text(config("0..1").split('  topic "orders"')[0] + "}\n")
        refused = dev.kmesos("plan", str(below), check=False)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "topic audit has replication factor 3, but only 2 brokers would remain ([0, 1])" in refused.stderr, \
            refused.stderr

        hcl.write_text(config("0..2"))
        plan = dev.kmesos("plan", str(hcl))
        assert f"cluster.scale.broker.3 hands over its" in plan.stdout, plan.stdout
        planned = json.loads(dev.kmesos("plan", str(hcl), "--json").stdout)
        moves = {m["address"]: m["moves"] for m in planned["availability"]["moves"]}
        orders = [m for m in moves["cluster.scale.broker.3"] if m["topic"] == "orders"]
        assert sorted(m["partition"] for m in orders) == sorted(held)
        for m in orders:
            assert 3 not in m["target"] and len(set(m["target"])) == 3, m

        with AcksAllProducer(bootstrap, "orders") as producer:
            producer.produce_for(3)
            applied = dev.kmesos("apply", str(hcl), "--auto-approve", timeout=600)
            producer.produce_for(3)
        assert "Apply complete! 0 created, 0 updated, 0 restarted, 1 destroyed." in applied.stdout, applied.stdout
        assert "partitions left to move off broker 3" in applied.stdout or \
            "partition left to move off broker 3" in applied.stdout, applied.stdout

        assert producer.failed == [], producer.failed[:5]
        acknowledged = producer.acknowledged
        assert len(acknowledged) > 100, f"the producer kept writing: {len(acknowledged)}"
        left = ",".join(b.addr for b in dev.wait_running(3, cluster="scale"))
        after = replicas(left, "orders")
        for partition, (r, isr) in after.items():
            assert 3 not in r, f"orders-{partition} still on broker 3: {r}"
            assert len(r) == 3 and sorted(isr) == sorted(r), f"orders-{partition}: {r}, ISR {isr}"
        assert throttles_left(left) == []
        read = consume_group(left, "orders", len(acknowledged), idle_polls=30)
        missing = set(acknowledged) - set(read)
        assert not missing, f"{len(missing)} acknowledged messages lost, e.g. {sorted(missing)[:5]}"


def leaders(bootstrap, topic):
    """{partition: leader id} as DescribeTopics reports them."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    described = admin.describe_topics(TopicCollection([topic]))[topic].result(timeout=60)
    return {p.id: p.leader.id for p in described.partitions}


def spread(counts, brokers):
    """max - min of the counts per broker (brokers holding none count 0)."""
    per = [counts.count(b) for b in brokers]
    return max(per) - min(per)


def assert_spread_evenly(bootstrap):
    """The 24 replicas and 8 leaderships of `orders` are spread over the
    4 brokers within one of each other, and no throttle is left."""
    after = replicas(bootstrap, "orders")
    held = [b for r, _ in after.values() for b in r]
    assert spread(held, range(4)) <= 1, f"24 replicas over 4 brokers: {after}"
    led = list(leaders(bootstrap, "orders").values())
    assert spread(led, range(4)) <= 1, f"8 leaderships over 4 brokers: {led}"
    assert throttles_left(bootstrap) == []


def test_a_broker_added_with_rebalance_takes_its_share_of_replicas_and_leaders(tmp_path):
    hcl = tmp_path / "scale.hcl"
    hcl.write_text(config("0..2", rebalance=True))
    with DevCluster(tmp_path, agents=4) as dev:
        applied = dev.kmesos("apply", str(hcl), "--auto-approve")
        assert "Apply complete! 5 created" in applied.stdout, applied.stdout
        bootstrap = ",".join(b.addr for b in dev.wait_running(3, cluster="scale"))
        dev.wait_for(lambda: fully_in_sync(bootstrap, "orders"), 60, "orders fully in sync")

        hcl.write_text(config("0..3", rebalance=True))
        plan = dev.kmesos("plan", str(hcl))
        assert "cluster.scale spreads its replicas over every broker" in plan.stdout, plan.stdout
        planned = json.loads(dev.kmesos("plan", str(hcl), "--json").stdout)
        moves = {m["address"]: m["moves"] for m in planned["availability"]["moves"]}
        assert any(3 in m["target"] for m in moves["cluster.scale"]), moves

        with AcksAllProducer(bootstrap, "orders") as producer:
            producer.produce_for(3)
            applied = dev.kmesos("apply", str(hcl), "--auto-approve", timeout=600)
            producer.produce_for(3)
        assert "Apply complete! 1 created, 0 updated, 0 restarted, 0 destroyed." in applied.stdout, applied.stdout
        assert "cluster.scale: moving leadership to the preferred replicas" in applied.stdout, applied.stdout

        assert producer.failed == [], producer.failed[:5]
        acknowledged = producer.acknowledged
        assert len(acknowledged) > 100, f"the producer kept writing: {len(acknowledged)}"
        everyone = ",".join(b.addr for b in dev.wait_running(4, cluster="scale"))
        dev.wait_for(lambda: fully_in_sync(everyone, "orders"), 60, "orders fully in sync")
        assert_spread_evenly(everyone)
        read = consume_group(everyone, "orders", len(acknowledged), idle_polls=30)
        missing = set(acknowledged) - set(read)
        assert not missing, f"{len(missing)} acknowledged messages lost, e.g. {sorted(missing)[:5]}"


def test_kmesos_rebalance_spreads_a_cluster_grown_without_it(tmp_path):
    hcl = tmp_path / "scale.hcl"
    hcl.write_text(config("0..2", rebalance=False))
    with DevCluster(tmp_path, agents=4) as dev:
        dev.kmesos("apply", str(hcl), "--auto-approve")
        hcl.write_text(config("0..3", rebalance=False))
        applied = dev.kmesos("apply", str(hcl), "--auto-approve", timeout=600)
        assert "Apply complete! 1 created" in applied.stdout, applied.stdout
        everyone = ",".join(b.addr for b in dev.wait_running(4, cluster="scale"))
        dev.wait_for(lambda: fully_in_sync(everyone, "orders"), 60, "orders fully in sync")
        held = [b for r, _ in replicas(everyone, "orders").values() for b in r]
        assert 3 not in held, "without rebalance the new broker holds nothing"

        rebalanced = dev.kmesos("rebalance", timeout=600)
        assert "Rebalancing cluster scale" in rebalanced.stdout, rebalanced.stdout
        assert "cluster.scale: moving leadership to the preferred replicas" in rebalanced.stdout, rebalanced.stdout
        dev.wait_for(lambda: fully_in_sync(everyone, "orders"), 60, "orders fully in sync")
        assert_spread_evenly(everyone)
