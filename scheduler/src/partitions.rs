//! A cluster's partitions as its live brokers report them: Metadata for the
//! replicas and ISR of every partition, DescribeConfigs for each topic's
//! `min.insync.replicas` in force. The probes the apply waits on read it
//! (what stopping one broker would do), and so does `GET /v1/partitions`,
//! from which `kmesos plan` analyzes a plan's broker stops beforehand.

use std::time::Duration;

use engine::plan::availability::{LivePartition, PartitionReport};
use kafka::configs::ConfigResource;
use kafka::{BrokerConnection, KafkaError};

/// The topic property that says how many in-sync replicas an acks=all
/// write needs.
const MIN_INSYNC_REPLICAS: &str = "min.insync.replicas";

/// How long one Kafka call may take before it counts as failed.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// The partitions, internal topics' included, read through `connection`.
pub async fn read(connection: &mut BrokerConnection) -> Result<Vec<LivePartition>, KafkaError> {
    let metadata = connection.metadata(None).await?;
    let mut partitions = Vec::new();
    for topic in &metadata.topics {
        let min_insync_replicas = min_insync_replicas(connection, &topic.name).await?;
        let ids = |list: &[i32]| list.iter().filter_map(|b| u32::try_from(*b).ok()).collect();
        partitions.extend(topic.partitions.iter().map(|p| LivePartition {
            topic: topic.name.clone(),
            partition: p.index,
            replicas: ids(&p.replicas),
            isr: ids(&p.isr),
            min_insync_replicas,
        }));
    }
    Ok(partitions)
}

/// The partitions of a cluster, read from the first of its brokers'
/// `endpoints` that answers, or why none did.
pub async fn report(endpoints: &[String]) -> PartitionReport {
    let mut last = "no broker of it is running".to_string();
    for endpoint in endpoints {
        let partitions = async {
            let mut connection = BrokerConnection::connect(endpoint, CALL_TIMEOUT).await?;
            read(&mut connection).await
        };
        match partitions.await {
            Ok(partitions) => return PartitionReport::Read(partitions),
            Err(e) => last = format!("broker at {endpoint}: {e}"),
        }
    }
    PartitionReport::Unavailable(last)
}

/// The topic's `min.insync.replicas` in force (its own, else the broker's).
async fn min_insync_replicas(
    connection: &mut BrokerConnection,
    topic: &str,
) -> Result<u32, KafkaError> {
    let entries = connection
        .describe_configs(&ConfigResource::Topic(topic.to_string()))
        .await?;
    Ok(entries
        .iter()
        .find(|e| e.name == MIN_INSYNC_REPLICAS)
        .and_then(|e| e.value.as_deref()?.parse().ok())
        .unwrap_or(1))
}
