//! The client against a real tansu broker: the ApiVersions probe, version
//! negotiation, and topic calls with Kafka's error names.

mod support;

use std::time::Duration;

use kafka_protocol::messages::ApiKey;
use kmesos_kafka::configs::{ConfigChange, ConfigResource};
use kmesos_kafka::{probe, KafkaError};
use support::{connect_with_topics, free_port, new_topic, TansuBroker};

#[tokio::test]
async fn probe_reports_what_a_live_broker_supports() {
    let broker = TansuBroker::start().await;
    let summary = probe(&broker.addr(), Duration::from_secs(10))
        .await
        .unwrap();
    assert!(summary.range(ApiKey::Metadata).is_some(), "{summary:?}");
    assert!(
        summary
            .range(ApiKey::ApiVersions)
            .is_some_and(|r| r.max >= 3),
        "{summary:?}"
    );
}

#[tokio::test]
async fn probe_fails_clearly_when_nothing_listens() {
    let port = free_port();
    let err = probe(&format!("127.0.0.1:{port}"), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, KafkaError::Connect { .. }), "{err}");
}

#[tokio::test]
async fn topics_are_created_grown_and_deleted_with_kafka_error_names() {
    let broker = TansuBroker::start().await;
    let mut client = connect_with_topics(&broker.addr(), &["orders"], 2).await;
    let again = client
        .create_topics(&[new_topic("orders", 2)], false)
        .await
        .unwrap();
    let err = again[0].result.as_ref().unwrap_err();
    assert_eq!(err.code_name(), Some("TOPIC_ALREADY_EXISTS"));

    let metadata = client.metadata(Some(&["orders"])).await.unwrap();
    assert_eq!(metadata.topics[0].partitions.len(), 2);

    // tansu 0.6 does not implement CreatePartitions: the client says so
    // instead of sending a request the broker cannot read.
    let grown = client
        .create_partitions(&[("orders", 4)], false)
        .await
        .unwrap_err();
    assert!(
        matches!(grown, KafkaError::Unsupported { ref api, .. } if api == "CreatePartitions"),
        "{grown}"
    );

    let deleted = client.delete_topics(&["orders"]).await.unwrap();
    assert!(deleted[0].result.is_ok(), "{:?}", deleted[0].result);
    let metadata = client.metadata(None).await.unwrap();
    assert!(
        metadata.topics.iter().all(|t| t.name != "orders"),
        "{metadata:?}"
    );
    let gone = client.delete_topics(&["orders"]).await.unwrap();
    assert_eq!(
        gone[0].result.as_ref().unwrap_err().code_name(),
        Some("UNKNOWN_TOPIC_OR_PARTITION")
    );
}

#[tokio::test]
async fn configs_are_described_and_altered_on_a_live_broker() {
    let broker = TansuBroker::start().await;
    let mut client = connect_with_topics(&broker.addr(), &["audit"], 1).await;
    // tansu describes no entries; the call itself must succeed.
    let entries = client
        .describe_configs(&ConfigResource::Topic("audit".into()))
        .await
        .unwrap();
    assert!(entries.iter().all(|e| !e.name.is_empty()), "{entries:?}");
    let change = ConfigChange::Set {
        name: "retention.ms".into(),
        value: "60000".into(),
    };
    client
        .incremental_alter_configs(&ConfigResource::Topic("audit".into()), &[change], false)
        .await
        .unwrap();
}
