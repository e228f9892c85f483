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
    // The brokers, and the endpoint as controller (where admin requests go).
    assert_eq!(out["brokers"], serde_json::json!([1, 2, i32::MAX - 1]));
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
    // One broker: librdkafka also asks each broker it connects to for
    // metadata, and every independent tansu broker names itself (node 111)
    // leader of every partition, so with several sqlite-backed tansu brokers
    // a client's view of placement drifts away from the endpoint's (see
    // docs/kafka-endpoint.md). With one broker both views agree.
    let cluster = TestCluster::start(1).await;
    let out = json(
        &run_client_script(
            "produce_consume.py",
            &[&cluster.bootstrap(), "events", "40"],
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
    assert_eq!(got, expected, "{out}");
    assert_eq!(
        out["produced_partitions"],
        serde_json::json!([0, 1]),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kcat_lists_the_brokers_from_the_endpoint() {
    let cluster = TestCluster::start(2).await;
    // Debian's kcat links librdkafka 2.0, which cannot talk to tansu; the
    // confluent-kafka wheel bundles a current one.
    let libs = tempfile::tempdir().unwrap();
    let bundled = python_librdkafka().await;
    std::os::unix::fs::symlink(&bundled, libs.path().join("librdkafka.so.1")).unwrap();
    let mut kcat = tokio::process::Command::new("kcat");
    kcat.args(["-L", "-b", &cluster.bootstrap(), "-m", "30"])
        .env("LD_LIBRARY_PATH", libs.path());
    let listing = finish(kcat, "kcat -L").await;
    for broker in &cluster.brokers {
        assert!(
            listing.contains(&format!("127.0.0.1:{}", broker.port)),
            "{listing}"
        );
    }
    assert!(listing.contains("broker 1 at"), "{listing}");
    assert!(listing.contains("broker 2 at"), "{listing}");
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
    let endpoint_node = (i32::MAX - 1).to_string();
    let out = json(
        &run_client_script(
            "kafka_python_admin.py",
            &[&cluster.bootstrap(), "2", &endpoint_node],
        )
        .await,
    );

    assert_eq!(out["cluster_id"], "kmesos-test");
    assert_eq!(out["controller_id"], i32::MAX - 1);
    assert_eq!(out["brokers"], serde_json::json!([1, 2, i32::MAX - 1]));
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
async fn confluent_admin_client_describes_and_alters_the_cluster_wide_broker_config() {
    let cluster = TestCluster::start(2).await;
    let endpoint_node = (i32::MAX - 1).to_string();
    let out = json(
        &run_client_script(
            "confluent_broker_configs.py",
            &[&cluster.bootstrap(), &endpoint_node],
        )
        .await,
    );

    // The cluster's effective broker config with sources (STATIC_BROKER_CONFIG
    // 4, DEFAULT_CONFIG 5), the secret masked, no one broker's own id.
    let before = &out["before"];
    assert_eq!(before["log.dirs"]["value"], "/var/lib/kmesos/data", "{out}");
    assert_eq!(before["log.dirs"]["source"], 4, "{out}");
    assert_eq!(before["log.retention.ms"]["source"], 5, "{out}");
    assert_eq!(before["ssl.keystore.password"]["value"], Value::Null);
    assert_eq!(before["ssl.keystore.password"]["sensitive"], true);
    assert_eq!(before["broker.id"], Value::Null, "{out}");

    // Dynamic properties apply cluster-wide (DYNAMIC_DEFAULT_BROKER_CONFIG
    // 3); a static one is refused whole, in Kafka's words.
    assert_eq!(out["alter_dynamic"], Value::Null, "{out}");
    assert_eq!(out["alter_legacy"], Value::Null, "{out}");
    assert_eq!(out["alter_static"]["name"], "INVALID_REQUEST", "{out}");
    assert_eq!(
        out["alter_static"]["message"],
        "Cannot update these configs dynamically: Set(log.dirs)"
    );
    // Per-broker properties (listener security, replication quotas) are
    // refused cluster-wide, as Kafka refuses them.
    assert_eq!(out["alter_per_broker"]["name"], "INVALID_REQUEST", "{out}");
    assert_eq!(
        out["alter_per_broker"]["message"],
        "Cannot update these configs at default cluster level, broker id must be specified: \
         Set(follower.replication.throttled.rate)"
    );
    assert_eq!(out["after"]["log.retention.ms"]["value"], "3600000");
    assert_eq!(out["after"]["log.retention.ms"]["source"], 3);
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
            (None, set("log.retention.ms", "3600000")),
            (None, set("message.max.bytes", "2000000")),
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
}
