//! Planning speed: `diff` of a configuration against a state of the same size
//! with 5% of brokers and topics changed. Target: 1,000 brokers and 10,000
//! topics in under 100 ms; the `growth` group shows how time grows from 100 to
//! 1,000 to 10,000 brokers (10 topics per broker). The `availability` bench
//! times the analysis `kmesos plan` adds against a live scheduler, once the
//! partitions are fetched: the same plan's 50 restarts checked against
//! 120,000 live partitions of replication factor 3 (goal: under 100 ms).
//! Results: docs/benchmarks.md.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use kmesos_engine::config::{
    BrokerSpec, ClusterSpec, Constraint, KafkaKind, KafkaSpec, PortSpec, TopicSpec,
};
use kmesos_engine::plan::availability::{LivePartition, PartitionReport};
use kmesos_engine::plan::Availability;
use kmesos_engine::state::{BrokerRuntime, BrokerState, ClusterState};
use kmesos_engine::{diff, Config, State};

fn broker() -> BrokerSpec {
    BrokerSpec {
        cpus: 1.0,
        mem: 4096,
        heap: Some(2048),
        disk: 102_400,
        port: PortSpec::Range {
            from: 31000,
            to: 31999,
        },
        constraints: vec![
            Constraint {
                attribute: "hostname".into(),
                rule: "unique".parse().expect("rule"),
            },
            Constraint {
                attribute: "rack".into(),
                rule: "like:r[0-9]+".parse().expect("rule"),
            },
        ],
        config: BTreeMap::from([
            ("num.io.threads".into(), "8".into()),
            ("log.retention.ms".into(), "86400000".into()),
        ]),
        failover: Default::default(),
        stickiness: BrokerSpec::DEFAULT_STICKINESS,
        placement_timeout: BrokerSpec::DEFAULT_PLACEMENT_TIMEOUT,
    }
}

fn topic() -> TopicSpec {
    TopicSpec {
        partitions: 12,
        replication_factor: 3,
        config: BTreeMap::from([("retention.ms".into(), "604800000".into())]),
    }
}

/// A configuration of `brokers` brokers and `topics` topics, and a state that
/// has applied it except that every 20th broker and topic differs.
fn sized(brokers: u32, topics: u32) -> (Config, State) {
    let spec = ClusterSpec {
        kafka: KafkaSpec {
            kind: KafkaKind::Apache,
            dist: Some("kafka.tgz".into()),
            endpoint: None,
            reassignment_throttle: None,
            rebalance: false,
        },
        config: BTreeMap::from([("min.insync.replicas".into(), "2".into())]),
        brokers: (0..brokers).map(|id| (id, broker())).collect(),
        topics: (0..topics)
            .map(|t| (format!("topic-{t:05}"), topic()))
            .collect(),
        clients: BTreeMap::new(),
    };
    let mut cluster = ClusterState {
        kafka: spec.kafka.clone(),
        config: spec.config.clone(),
        brokers: BTreeMap::new(),
        topics: spec.topics.clone(),
        clients: BTreeMap::new(),
        drift: BTreeMap::new(),
    };
    for (id, b) in &spec.brokers {
        let mut applied = b.clone();
        if id % 20 == 0 {
            applied.cpus = 0.5; // a restart
        } else if id % 20 == 1 {
            applied.config.insert("num.io.threads".into(), "4".into()); // an update
        }
        let runtime = BrokerRuntime {
            task_id: Some(format!("broker-{id}")),
            agent_id: Some(format!("agent-{id}")),
            hostname: Some(format!("host-{id}")),
            attributes: BTreeMap::from([("rack".into(), format!("r{}", id % 3))]),
            port: Some(31000),
            status: None,
            updated_at: None,
            waiting_for: None,
            restart_seconds: None,
        };
        cluster.brokers.insert(
            *id,
            BrokerState {
                spec: applied,
                runtime: Some(runtime),
            },
        );
    }
    for (i, t) in cluster.topics.values_mut().enumerate() {
        if i % 20 == 0 {
            t.partitions = 6; // grows to 12
        }
    }
    let config = Config {
        scheduler: None,
        clusters: BTreeMap::from([("events".into(), spec)]),
        positions: Default::default(),
    };
    let mut state = State::new("bench");
    state.clusters.insert("events".into(), cluster);
    (config, state)
}

fn target(c: &mut Criterion) {
    let (config, state) = sized(1_000, 10_000);
    let plan = diff(&config, &state).expect("plan");
    assert_eq!(plan.summary().restart, 50);
    c.bench_function("plan 1000 brokers 10000 topics 5% changed", |b| {
        b.iter(|| diff(black_box(&config), black_box(&state)).expect("plan"))
    });
}

/// Every partition of `config`'s topics as the brokers would report them:
/// replicas on consecutive brokers, all in sync, min ISR 2.
fn live_partitions(config: &Config) -> BTreeMap<String, PartitionReport> {
    let cluster = &config.clusters["events"];
    let brokers = cluster.brokers.len() as u32;
    let mut partitions = Vec::new();
    for (name, topic) in &cluster.topics {
        for p in 0..topic.partitions {
            let first = (partitions.len() as u32) % brokers;
            let replicas: Vec<u32> = (0..u32::from(topic.replication_factor))
                .map(|r| (first + r) % brokers)
                .collect();
            partitions.push(LivePartition {
                topic: name.clone(),
                partition: p as i32,
                isr: replicas.clone(),
                replicas,
                min_insync_replicas: 2,
            });
        }
    }
    BTreeMap::from([("events".to_string(), PartitionReport::Read(partitions))])
}

fn availability(c: &mut Criterion) {
    let (config, state) = sized(1_000, 10_000);
    let plan = diff(&config, &state).expect("plan");
    let live = live_partitions(&config);
    let analysis = Availability::analyze(&plan, &state, &live).expect("analyzed");
    assert!(analysis.risks.is_empty(), "every stop keeps min ISR");
    c.bench_function(
        "availability 1000 brokers 10000 topics 120000 partitions 50 restarts",
        |b| b.iter(|| Availability::analyze(black_box(&plan), black_box(&state), black_box(&live))),
    );
}

fn growth(c: &mut Criterion) {
    let mut group = c.benchmark_group("growth");
    group.sample_size(10);
    for brokers in [100u32, 1_000, 10_000] {
        let (config, state) = sized(brokers, brokers * 10);
        group.bench_with_input(BenchmarkId::from_parameter(brokers), &brokers, |b, _| {
            b.iter(|| diff(black_box(&config), black_box(&state)).expect("plan"))
        });
    }
    group.finish();
}

criterion_group!(benches, target, availability, growth);
criterion_main!(benches);
