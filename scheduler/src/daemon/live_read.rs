//! Reading an Apache Kafka cluster as its brokers report it, for a refresh
//! ([`Command::ReadLive`](crate::core::Command::ReadLive)): each running
//! broker describes itself (BROKER `"<id>"` must be asked of that broker),
//! and the first one the cluster-wide dynamic defaults (BROKER `""`), the
//! managed topics' partitions (Metadata) and their overrides (TOPIC). Values
//! Kafka flags sensitive come back as unknown. The read is all or nothing:
//! a broker that does not answer fails it, so no drift is judged from part
//! of a cluster.

use std::collections::BTreeMap;
use std::time::Duration;

use engine::state::{LiveBroker, LiveCluster, LiveConfig, LiveTopic};
use kafka::client::ClusterMetadata;
use kafka::configs::{ConfigEntry, ConfigResource, ConfigSource};
use kafka::error::code;
use kafka::{BrokerConnection, KafkaError};

use crate::core::Event;

/// How long one Kafka call may take before the read fails.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// Reads cluster `cluster`: `brokers` (id → endpoint) and `topics`.
pub async fn read(cluster: String, brokers: BTreeMap<u32, String>, topics: Vec<String>) -> Event {
    let live = read_cluster(&brokers, &topics)
        .await
        .map(Box::new)
        .map_err(|e| format!("reading its brokers: {e}"));
    Event::LiveRead { cluster, live }
}

async fn read_cluster(
    brokers: &BTreeMap<u32, String>,
    topics: &[String],
) -> Result<LiveCluster, KafkaError> {
    let mut live = LiveCluster::default();
    let mut first = None;
    for (id, endpoint) in brokers {
        let mut connection = BrokerConnection::connect(endpoint, CALL_TIMEOUT).await?;
        let entries = connection
            .describe_configs(&ConfigResource::Broker(id.to_string()))
            .await?;
        let broker = LiveBroker {
            dynamic: layer(&entries, ConfigSource::Dynamic),
            effective: entries.iter().map(value).collect(),
            beneath: entries
                .iter()
                .map(|e| {
                    (
                        e.name.clone(),
                        e.static_value.clone().filter(|_| !e.sensitive),
                    )
                })
                .collect(),
        };
        live.brokers.insert(*id, broker);
        first.get_or_insert(connection);
    }
    let Some(mut connection) = first else {
        return Ok(live);
    };
    let defaults = connection
        .describe_configs(&ConfigResource::Broker(String::new()))
        .await?;
    live.defaults = layer(&defaults, ConfigSource::ClusterDynamic);
    if !topics.is_empty() {
        let names: Vec<&str> = topics.iter().map(String::as_str).collect();
        let metadata = connection.metadata(Some(&names)).await?;
        live.topics = read_topics(&mut connection, &metadata).await?;
    }
    Ok(live)
}

/// The topics Metadata reports on: absent ones as `None`; those it reports
/// an other error for (e.g. one being created) are left out.
async fn read_topics(
    connection: &mut BrokerConnection,
    metadata: &ClusterMetadata,
) -> Result<BTreeMap<String, Option<LiveTopic>>, KafkaError> {
    let mut topics = BTreeMap::new();
    for topic in &metadata.topics {
        let read = match topic.error_code {
            0 => {
                let resource = ConfigResource::Topic(topic.name.clone());
                let entries = connection.describe_configs(&resource).await?;
                Some(LiveTopic {
                    partitions: u32::try_from(topic.partitions.len()).unwrap_or(u32::MAX),
                    config: layer(&entries, ConfigSource::Dynamic),
                })
            }
            // The topic does not exist.
            code::UNKNOWN_TOPIC_OR_PARTITION => None,
            _ => continue,
        };
        topics.insert(topic.name.clone(), read);
    }
    Ok(topics)
}

/// The entries set at the given runtime layer.
fn layer(entries: &[ConfigEntry], source: ConfigSource) -> LiveConfig {
    entries
        .iter()
        .filter(|e| e.source == source)
        .map(value)
        .collect()
}

/// An entry's value; unknown when Kafka flags it sensitive.
fn value(entry: &ConfigEntry) -> (String, Option<String>) {
    let value = if entry.sensitive {
        None
    } else {
        entry.value.clone()
    };
    (entry.name.clone(), value)
}
