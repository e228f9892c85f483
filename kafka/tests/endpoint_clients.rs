//! The endpoint driven by real Kafka clients nobody here wrote, against real
//! tansu brokers: confluent-kafka (librdkafka), kcat, kafka-python.

mod support;

use kmesos_kafka::configs::ConfigChange;
use kmesos_kafka::endpoint::TopicChange;
use serde_json::Value;
use support::{finish, python, run_client_script, TestCluster};

fn json(out: &str) -> Value {
    serde_json::from_str(out.trim())
        .unwrap_or_else(|e| panic!("client printed no JSON ({e}): {out}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluent_admin_client_manages_topics_through_the_endpoint() {
    let cluster = TestCluster::start(2).await;
    let out = json(&run_client_script("confluent_admin.py", &[&cluster.bootstrap()]).await);

    assert_eq!(out["create"], "ok");
    assert_eq!(out["create_again"], "TOPIC_ALREADY_EXISTS");
    assert_eq!(out["validate_only"], "ok");
    // The brokers, never the endpoint.
    assert_eq!(out["brokers"], serde_json::json!([1, 2]));
    // validate_only created nothing; the partitions of "orders" are led by both brokers.
    assert_eq!(out["topics"], serde_json::json!({"orders": [1, 1, 2]}));
    assert_eq!(out["describe_topic"], "ok");
    assert_eq!(out["delete"], "ok");
    assert_eq!(out["delete_again"], "UNKNOWN_TOPIC_OR_PART");
    assert_eq!(out["topics_after"], serde_json::json!([]));

    // Every broker kept the topic while it existed, and the backend heard of both changes.
    let changes = cluster.backend.topic_changes.lock().unwrap().clone();
    assert!(
        matches!(&changes[0], TopicChange::Created { name, partitions: 3, .. } if name == "orders"),
        "{changes:?}"
    );
    assert_eq!(
        changes[1],
        TopicChange::Deleted {
            name: "orders".into()
        }
    );
    assert_eq!(changes.len(), 2, "{changes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producer_and_consumer_bootstrapped_at_the_endpoint_exchange_messages() {
    // Two independent tansu brokers, each partition led by one of them: the
    // brokers' fronts answer metadata with the endpoint's view, so the
    // clients' view of placement stays the endpoint's.
    let cluster = TestCluster::start(2).await;
    // acks=all; acks=0 (requests with no response, which the fronts must
    // not wait for); and an idempotent producer, whose one producer id
    // every broker must know.
    for (topic, acks, idempotent) in [
        ("events", "all", "false"),
        ("fire-and-forget", "0", "false"),
        ("exactly-once", "all", "true"),
    ] {
        let out = json(
            &run_client_script(
                "produce_consume.py",
                &[&cluster.bootstrap(), topic, "40", acks, idempotent],
            )
            .await,
        );
        assert_eq!(out["unflushed"], 0, "{out}");
        assert_eq!(out["delivery_errors"], serde_json::json!([]), "{out}");
        let consumed = out["consumed"].as_array().unwrap();
        let expected: std::collections::BTreeSet<String> =
            (0..40).map(|i| format!("message-{i}")).collect();
        let got: std::collections::BTreeSet<String> = consumed
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, expected, "acks={acks} idempotent={idempotent}: {out}");
        // Both partitions, so both brokers, carried messages both ways.
        assert_eq!(
            out["produced_partitions"],
            serde_json::json!([0, 1]),
            "{out}"
        );
        assert_eq!(
            out["consumed_partitions"],
            serde_json::json!([0, 1]),
            "{out}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kcat_lists_the_brokers_from_the_endpoint_or_any_broker() {
    let cluster = TestCluster::start(2).await;
    let topics = support::connect_with_topics(&cluster.bootstrap(), &["clicks"], 2).await;
    drop(topics);
    // At the endpoint, and at broker 2 (whose front hands Metadata to the
    // endpoint): the same two brokers, never the endpoint, partition p of
    // "clicks" led by broker p + 1.
    for bootstrap in [cluster.bootstrap(), cluster.broker_addr(2)] {
        let listing = kcat_list(&bootstrap).await;
        for id in [1, 2] {
            let line = format!("broker {id} at {}", cluster.broker_addr(id));
            assert!(listing.contains(&line), "{line} missing from {listing}");
        }
        assert!(
            !listing.contains(&format!("at {}", cluster.bootstrap())),
            "the endpoint is listed as a broker: {listing}"
        );
        assert!(listing.contains("partition 0, leader 1,"), "{listing}");
        assert!(listing.contains("partition 1, leader 2,"), "{listing}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_whose_broker_is_down_is_offline_and_the_others_keep_their_leaders() {
    let cluster = TestCluster::start(3).await;
    drop(support::connect_with_topics(&cluster.bootstrap(), &["clicks"], 3).await);
    let listing = kcat_list(&cluster.bootstrap()).await;
    for (partition, leader) in [(0, 1), (1, 2), (2, 3)] {
        let line = format!("partition {partition}, leader {leader},");
        assert!(listing.contains(&line), "{line} missing from {listing}");
    }

    // Broker 2 stops: partition 1's data is on it alone, so the partition
    // is offline rather than led by a broker that does not hold it.
    cluster
        .backend
        .brokers
        .lock()
        .unwrap()
        .retain(|b| b.node_id != 2);
    let listing = kcat_list(&cluster.bootstrap()).await;
    assert!(
        listing
            .contains("partition 1, leader -1, replicas: 2, isrs: 2, Broker: Leader not available"),
        "{listing}"
    );
    for (partition, leader) in [(0, 1), (2, 3)] {
        let line = format!("partition {partition}, leader {leader},");
        assert!(listing.contains(&line), "{line} missing from {listing}");
    }
}

/// `kcat -L` against `bootstrap`. Debian's kcat links librdkafka 2.0, which
/// cannot talk to tansu; the confluent-kafka wheel bundles a current one.
async fn kcat_list(bootstrap: &str) -> String {
    let libs = tempfile::tempdir().unwrap();
    let bundled = python_librdkafka().await;
    std::os::unix::fs::symlink(&bundled, libs.path().join("librdkafka.so.1")).unwrap();
    let mut kcat = tokio::process::Command::new("kcat");
    kcat.args(["-L", "-b", bootstrap, "-m", "30"])
        .env("LD_LIBRARY_PATH", libs.path());
    finish(kcat, "kcat -L").await
}

/// The librdkafka shared object bundled in the confluent-kafka wheel.
async fn python_librdkafka() -> std::path::PathBuf {
    let mut find = tokio::process::Command::new(python());
    find.args([
        "-c",
        "import confluent_kafka, glob, os; \
         print(glob.glob(os.path.join(os.path.dirname(confluent_kafka.__file__), '..', 'confluent_kafka.libs', 'librdkafka*'))[0])",
    ]);
    std::path::PathBuf::from(finish(find, "locating librdkafka").await.trim())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_python_describes_the_cluster_and_manages_broker_configs() {
    let cluster = TestCluster::start(2).await;
    let out =
        json(&run_client_script("kafka_python_admin.py", &[&cluster.bootstrap(), "2", "1"]).await);

    assert_eq!(out["cluster_id"], "kmesos-test");
    // The first live broker is the controller: its front hands admin
    // requests to the endpoint. The endpoint is no broker.
    assert_eq!(out["controller_id"], 1);
    assert_eq!(out["brokers"], serde_json::json!([1, 2]));
    assert_eq!(out["create"], "ok");
    assert_eq!(out["listed"], serde_json::json!({"payments": [1, 2]}));
    assert_eq!(out["listed_after_delete"], serde_json::json!({}));

    // Effective config with sources (4 static, 5 default), the secret masked.
    assert_eq!(out["describe_error"], 0);
    let d = &out["describe"];
    assert_eq!(d["broker.id"]["value"], "2");
    assert_eq!(d["broker.id"]["source"], 4);
    assert_eq!(d["num.network.threads"]["source"], 5);
    assert_eq!(d["ssl.keystore.password"]["value"], Value::Null);
    assert_eq!(d["ssl.keystore.password"]["sensitive"], true);

    // A dynamic property is applied and reported; a static one is refused as Kafka refuses it.
    assert_eq!(out["alter_dynamic"]["error_code"], 0, "{out}");
    assert_eq!(out["alter_static"]["error_code"], 42, "{out}");
    assert_eq!(
        out["alter_static"]["message"],
        "Cannot update these configs dynamically: Set(log.dirs)"
    );
    assert_eq!(out["after"]["value"], "3600000");
    assert_eq!(out["after"]["source"], 2);
    let recorded = cluster.backend.config_changes.lock().unwrap().clone();
    assert_eq!(
        recorded,
        vec![(
            Some(2),
            ConfigChange::Set {
                name: "log.retention.ms".into(),
                value: "3600000".into()
            }
        )]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_topic_a_delete_removes_is_reported_to_the_backend() {
    use std::collections::BTreeSet;

    let cluster = TestCluster::start(2).await;
    let mut admin =
        support::connect_with_topics(&cluster.bootstrap(), &["kept", "dropped"], 1).await;
    let deleted = admin.delete_topics(&["dropped"]).await.unwrap();
    assert!(deleted[0].result.is_ok(), "{:?}", deleted[0].result);

    // Whatever the brokers did (tansu 0.6 drops every topic), the backend
    // hears exactly of the topics that are gone.
    let left: BTreeSet<String> = admin
        .metadata(None)
        .await
        .unwrap()
        .topics
        .into_iter()
        .map(|t| t.name)
        .collect();
    let gone: BTreeSet<String> = ["kept", "dropped"]
        .iter()
        .map(|n| n.to_string())
        .filter(|n| !left.contains(n))
        .collect();
    let reported: BTreeSet<String> = cluster
        .backend
        .topic_changes
        .lock()
        .unwrap()
        .iter()
        .filter_map(|c| match c {
            TopicChange::Deleted { name } => Some(name.clone()),
            _ => None,
        })
        .collect();
    assert!(gone.contains("dropped"));
    assert_eq!(reported, gone);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluent_admin_client_describes_and_alters_a_broker_config() {
    let cluster = TestCluster::start(2).await;
    let out =
        json(&run_client_script("confluent_broker_configs.py", &[&cluster.bootstrap(), "1"]).await);

    // Broker 1's effective config with sources (STATIC_BROKER_CONFIG 4,
    // DEFAULT_CONFIG 5), the secret masked.
    let before = &out["before"];
    assert_eq!(before["broker.id"]["value"], "1", "{out}");
    assert_eq!(before["log.dirs"]["value"], "/var/lib/kmesos/data", "{out}");
    assert_eq!(before["log.dirs"]["source"], 4, "{out}");
    assert_eq!(before["log.retention.ms"]["source"], 5, "{out}");
    assert_eq!(before["ssl.keystore.password"]["value"], Value::Null);
    assert_eq!(before["ssl.keystore.password"]["sensitive"], true);

    // Dynamic properties, per-broker ones included, apply to the broker
    // (DYNAMIC_BROKER_CONFIG 2); a static one is refused whole, in Kafka's words.
    assert_eq!(out["alter_dynamic"], Value::Null, "{out}");
    assert_eq!(out["alter_per_broker"], Value::Null, "{out}");
    assert_eq!(out["alter_legacy"], Value::Null, "{out}");
    assert_eq!(out["alter_static"]["name"], "INVALID_REQUEST", "{out}");
    assert_eq!(
        out["alter_static"]["message"],
        "Cannot update these configs dynamically: Set(log.dirs)"
    );
    assert_eq!(out["after"]["log.retention.ms"]["value"], "3600000");
    assert_eq!(out["after"]["log.retention.ms"]["source"], 2);
    assert_eq!(out["after"]["message.max.bytes"]["value"], "2000000");
    assert_eq!(out["after"]["log.dirs"]["value"], "/var/lib/kmesos/data");

    let recorded = cluster.backend.config_changes.lock().unwrap().clone();
    let set = |name: &str, value: &str| ConfigChange::Set {
        name: name.into(),
        value: value.into(),
    };
    assert_eq!(
        recorded,
        vec![
            (Some(1), set("log.retention.ms", "3600000")),
            (
                Some(1),
                set("follower.replication.throttled.rate", "1000000")
            ),
            (Some(1), set("message.max.bytes", "2000000")),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_empty_broker_name_is_the_cluster_wide_default_too() {
    use kmesos_kafka::configs::ConfigResource;
    use kmesos_kafka::BrokerConnection;

    let cluster = TestCluster::start(1).await;
    let mut admin = BrokerConnection::connect(&cluster.bootstrap(), support::WAIT)
        .await
        .unwrap();
    let default = ConfigResource::Broker(String::new());
    let change = ConfigChange::Set {
        name: "log.cleaner.threads".into(),
        value: "2".into(),
    };
    admin
        .incremental_alter_configs(&default, std::slice::from_ref(&change), false)
        .await
        .unwrap();
    let described = admin.describe_configs(&default).await.unwrap();
    let threads = described
        .iter()
        .find(|e| e.name == "log.cleaner.threads")
        .unwrap_or_else(|| panic!("{described:?}"));
    assert_eq!(threads.value.as_deref(), Some("2"));
    assert!(
        described.iter().all(|e| e.name != "broker.id"),
        "{described:?}"
    );
    assert_eq!(
        cluster.backend.config_changes.lock().unwrap().clone(),
        vec![(None, change)]
    );
    // Per-broker properties (listener security, replication quotas) are
    // refused cluster-wide, as Kafka refuses them.
    let per_broker = ConfigChange::Set {
        name: "follower.replication.throttled.rate".into(),
        value: "1000000".into(),
    };
    let refused = admin
        .incremental_alter_configs(&default, &[per_broker], false)
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("broker id must be specified: Set(follower.replication.throttled.rate)"),
        "{refused}"
    );
}
