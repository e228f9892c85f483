//! The Kafka work the core asks for, done against live brokers with the
//! `kafka` client: probes (ApiVersions, and a broker's partitions: ISR and
//! `min.insync.replicas`),
//! dynamic config changes, topic operations (on the brokers the core placed
//! them). Each runs in its own task and ends in the event that answers it,
//! which goes back to the driver.

use std::collections::BTreeMap;
use std::time::Duration;

use engine::plan::availability::LivePartition;
use kafka::client::NewTopic;
use kafka::configs::{ConfigChange, ConfigResource};
use kafka::error::code;
use kafka::{BrokerConnection, KafkaError};

use crate::core::{Event, PartitionHealth, TopicOp, TopicPlacement, TopicRefusal};
use crate::partitions::{self, CALL_TIMEOUT};

/// Probes broker `id` at `endpoint`: healthy if it answers, and where the
/// partitions it hosts stand in the cluster's metadata: those it is a
/// replica of but not in sync with, and those whose in-sync replicas would
/// fall below the topic's `min.insync.replicas` without it.
pub async fn probe(cluster: String, id: u32, endpoint: String) -> Event {
    let health = async {
        let mut connection = BrokerConnection::connect(&endpoint, CALL_TIMEOUT).await?;
        let partitions = partitions::read(&mut connection).await?;
        Ok::<_, KafkaError>(partition_health(id, &partitions))
    }
    .await;
    let (healthy, partitions) = match health {
        Ok(partitions) => (true, partitions),
        Err(e) => {
            tracing::debug!(%cluster, broker = id, %endpoint, error = %e, "probe failed");
            (false, PartitionHealth::default())
        }
    };
    Event::BrokerProbe {
        cluster,
        id,
        healthy,
        partitions,
    }
}

/// Where broker `id`'s partitions stand: those it is a replica of but not
/// in sync with, and those whose in-sync replicas would fall below the
/// topic's `min.insync.replicas` without it.
fn partition_health(id: u32, partitions: &[LivePartition]) -> PartitionHealth {
    let hosted = partitions.iter().filter(|p| p.replicas.contains(&id));
    let (in_sync, behind): (Vec<_>, Vec<_>) = hosted.partition(|p| p.isr.contains(&id));
    // Only partitions it is in sync with lose an in-sync replica when it stops.
    let short = in_sync
        .iter()
        .filter(|p| p.isr.len() - 1 < p.min_insync_replicas as usize);
    PartitionHealth {
        catching_up: count(behind.len()),
        needing_it: count(short.count()),
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
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

/// Carries out a topic operation where the core placed it: on every
/// broker of a tansu cluster, or once through an Apache cluster's first
/// broker and then until every broker reports it, so that a client's next
/// Metadata request sees it.
pub async fn topic(cluster: String, op: TopicOp, placement: TopicPlacement) -> Event {
    let topic = op.topic().to_string();
    let result = match &placement {
        TopicPlacement::Controller { brokers } => topic_once(brokers, &op).await,
        TopicPlacement::EveryBroker {
            brokers,
            done_already,
        } => topic_on_each(brokers, &op, *done_already).await,
    };
    Event::TopicOpResult {
        cluster,
        topic,
        error: result.err(),
    }
}

async fn topic_on_each(
    endpoints: &[String],
    op: &TopicOp,
    done_already: Option<TopicRefusal>,
) -> Result<(), String> {
    for endpoint in endpoints {
        match topic_on(endpoint, op).await {
            Ok(()) => {}
            Err(e) if done_already.is_some() && refusal(&e) == done_already => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

/// The refusal a broker answered with, when it can mean done already.
fn refusal(e: &KafkaError) -> Option<TopicRefusal> {
    match e.code()? {
        code::TOPIC_ALREADY_EXISTS => Some(TopicRefusal::AlreadyExists),
        code::UNKNOWN_TOPIC_OR_PARTITION => Some(TopicRefusal::UnknownTopic),
        _ => None,
    }
}

/// How long every broker of an Apache cluster has to report a topic change
/// the controller took.
const PROPAGATION_TIMEOUT: Duration = Duration::from_secs(30);

async fn topic_once(endpoints: &[String], op: &TopicOp) -> Result<(), String> {
    let Some(first) = endpoints.first() else {
        return Err("no live broker".to_string());
    };
    topic_on(first, op).await.map_err(|e| e.to_string())?;
    for endpoint in endpoints {
        let deadline = tokio::time::Instant::now() + PROPAGATION_TIMEOUT;
        loop {
            if reported(endpoint, op).await {
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(format!(
                    "the controller took it, but the broker at {endpoint} did not report it within {}s",
                    PROPAGATION_TIMEOUT.as_secs()
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Ok(())
}

/// Whether the broker at `endpoint` reports `op` done: the topic with its
/// partitions, each with a leader, or the topic gone.
async fn reported(endpoint: &str, op: &TopicOp) -> bool {
    let (name, partitions) = match op {
        TopicOp::Create { name, spec } | TopicOp::Update { name, spec, .. } => {
            (name, Some(spec.partitions))
        }
        TopicOp::Delete { name } => (name, None),
    };
    let Ok(mut connection) = BrokerConnection::connect(endpoint, CALL_TIMEOUT).await else {
        return false;
    };
    let Ok(metadata) = connection.metadata(Some(&[name.as_str()])).await else {
        return false;
    };
    let found = metadata
        .topics
        .iter()
        .find(|t| &t.name == name && t.error_code == 0);
    match (found, partitions) {
        (Some(topic), Some(wanted)) => {
            topic.partitions.len() == usize::try_from(wanted).unwrap_or(usize::MAX)
                && topic.partitions.iter().all(|p| p.leader >= 0)
        }
        (None, None) => true,
        _ => false,
    }
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
        TopicOp::Update {
            name,
            spec,
            removed,
        } => {
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
            let sets = spec.config.iter().map(|(name, value)| ConfigChange::Set {
                name: name.clone(),
                value: value.clone(),
            });
            let deletes = removed
                .iter()
                .map(|name| ConfigChange::Delete { name: name.clone() });
            let changes: Vec<ConfigChange> = sets.chain(deletes).collect();
            if changes.is_empty() {
                return Ok(());
            }
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
