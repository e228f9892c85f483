//! The Kafka work the core asks for, done against live brokers with the
//! `kafka` client: probes (ApiVersions and under-replicated partitions),
//! dynamic config changes, topic operations. Each runs in its own task and
//! ends in the event that answers it, which goes back to the driver.

use std::collections::BTreeMap;
use std::time::Duration;

use kafka::client::NewTopic;
use kafka::configs::{ConfigChange, ConfigResource};
use kafka::{BrokerConnection, KafkaError};

use crate::core::{Event, TopicOp};

/// How long one Kafka call may take before it counts as failed.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// Probes a broker: healthy if it answers ApiVersions; under-replicated
/// partitions as its Metadata reports them (ISR smaller than the replica set).
pub async fn probe(cluster: String, id: u32, endpoint: String) -> Event {
    let under_replicated = async {
        let mut connection = BrokerConnection::connect(&endpoint, CALL_TIMEOUT).await?;
        let metadata = connection.metadata(None).await?;
        let count = metadata
            .topics
            .iter()
            .flat_map(|t| &t.partitions)
            .filter(|p| p.isr.len() < p.replicas.len())
            .count();
        Ok::<_, KafkaError>(u32::try_from(count).unwrap_or(u32::MAX))
    }
    .await;
    match under_replicated {
        Ok(under_replicated) => Event::BrokerProbe {
            cluster,
            id,
            healthy: true,
            under_replicated,
        },
        Err(e) => {
            tracing::debug!(%cluster, broker = id, %endpoint, error = %e, "probe failed");
            Event::BrokerProbe {
                cluster,
                id,
                healthy: false,
                under_replicated: 0,
            }
        }
    }
}

/// Sets (or, for `None`, deletes) dynamic properties on broker `broker`, or
/// cluster-wide when `None`.
pub async fn dynamic_config(
    cluster: String,
    broker: Option<u32>,
    endpoint: String,
    properties: BTreeMap<String, Option<String>>,
) -> Event {
    let changes: Vec<ConfigChange> = properties
        .into_iter()
        .map(|(name, value)| match value {
            Some(value) => ConfigChange::Set { name, value },
            None => ConfigChange::Delete { name },
        })
        .collect();
    let resource = ConfigResource::Broker(broker.map(|b| b.to_string()).unwrap_or_default());
    let result = async {
        let mut connection = BrokerConnection::connect(&endpoint, CALL_TIMEOUT).await?;
        connection
            .incremental_alter_configs(&resource, &changes, false)
            .await
    }
    .await;
    Event::DynamicConfigResult {
        cluster,
        broker,
        error: result.err().map(|e| e.to_string()),
    }
}

/// Creates, updates (grows partitions, sets configs) or deletes a topic on
/// each of `endpoints`. A tansu cluster is independent single-node brokers,
/// so a topic must exist on every one of them (as the Kafka endpoint keeps
/// them); an Apache cluster needs one live broker. On the extra brokers,
/// finding the topic already there (or already gone) is success.
pub async fn topic(cluster: String, endpoints: Vec<String>, op: TopicOp) -> Event {
    let topic = match &op {
        TopicOp::Create { name, .. } | TopicOp::Update { name, .. } | TopicOp::Delete { name } => {
            name.clone()
        }
    };
    let mut error = None;
    for endpoint in &endpoints {
        match topic_on(endpoint, &op).await {
            Ok(()) => {}
            Err(e) if endpoints.len() > 1 && already_done(&e, &op) => {}
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        }
    }
    Event::TopicOpResult {
        cluster,
        topic,
        error,
    }
}

/// TOPIC_ALREADY_EXISTS for a create, UNKNOWN_TOPIC_OR_PARTITION for a delete.
fn already_done(e: &KafkaError, op: &TopicOp) -> bool {
    matches!(
        (e.code(), op),
        (Some(36), TopicOp::Create { .. }) | (Some(3), TopicOp::Delete { .. })
    )
}

async fn topic_on(endpoint: &str, op: &TopicOp) -> Result<(), KafkaError> {
    let mut connection = BrokerConnection::connect(endpoint, CALL_TIMEOUT).await?;
    match op {
        TopicOp::Create { name, spec } => {
            let new = NewTopic {
                name: name.clone(),
                partitions: i32::try_from(spec.partitions).unwrap_or(i32::MAX),
                replication_factor: i16::try_from(spec.replication_factor).unwrap_or(i16::MAX),
                configs: spec
                    .config
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            };
            first_error(connection.create_topics(&[new], false).await?)
        }
        TopicOp::Update { name, spec } => {
            let metadata = connection.metadata(Some(&[name.as_str()])).await?;
            let current = metadata
                .topics
                .iter()
                .find(|t| &t.name == name)
                .map_or(0, |t| t.partitions.len());
            let wanted = i32::try_from(spec.partitions).unwrap_or(i32::MAX);
            if usize::try_from(wanted).unwrap_or(0) > current {
                first_error(
                    connection
                        .create_partitions(&[(name.as_str(), wanted)], false)
                        .await?,
                )?;
            }
            if spec.config.is_empty() {
                return Ok(());
            }
            let changes: Vec<ConfigChange> = spec
                .config
                .iter()
                .map(|(name, value)| ConfigChange::Set {
                    name: name.clone(),
                    value: value.clone(),
                })
                .collect();
            connection
                .incremental_alter_configs(&ConfigResource::Topic(name.clone()), &changes, false)
                .await
        }
        TopicOp::Delete { name } => first_error(connection.delete_topics(&[name.as_str()]).await?),
    }
}

fn first_error(outcomes: Vec<kafka::client::TopicOutcome>) -> Result<(), KafkaError> {
    outcomes.into_iter().try_for_each(|o| o.result)
}
