//! Typed admin calls on a [`BrokerConnection`]: metadata, topics and configs,
//! with per-topic and per-resource Kafka errors turned into [`KafkaError`]s.

use kafka_protocol::messages::create_partitions_request::CreatePartitionsTopic;
use kafka_protocol::messages::create_topics_request::{CreatableTopic, CreatableTopicConfig};
use kafka_protocol::messages::delete_topics_request::DeleteTopicState;
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::{
    CreatePartitionsRequest, CreateTopicsRequest, DeleteTopicsRequest, MetadataRequest,
    MetadataResponse, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use super::{check, BrokerConnection};
use crate::configs::{described_entries, ConfigChange, ConfigEntry, ConfigResource};
use crate::error::KafkaError;

/// A broker as Metadata lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerAddress {
    pub node_id: i32,
    pub host: String,
    pub port: i32,
    pub rack: Option<String>,
}

/// One partition as Metadata reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionMetadata {
    pub index: i32,
    pub error_code: i16,
    pub leader: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
}

/// One topic as Metadata reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicMetadata {
    pub name: String,
    pub error_code: i16,
    pub is_internal: bool,
    pub partitions: Vec<PartitionMetadata>,
}

/// A broker's Metadata answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterMetadata {
    pub cluster_id: Option<String>,
    pub controller_id: i32,
    pub brokers: Vec<BrokerAddress>,
    pub topics: Vec<TopicMetadata>,
}

impl From<MetadataResponse> for ClusterMetadata {
    fn from(r: MetadataResponse) -> Self {
        ClusterMetadata {
            cluster_id: r.cluster_id.map(|c| c.to_string()),
            controller_id: r.controller_id.0,
            brokers: r
                .brokers
                .into_iter()
                .map(|b| BrokerAddress {
                    node_id: b.node_id.0,
                    host: b.host.to_string(),
                    port: b.port,
                    rack: b.rack.map(|r| r.to_string()),
                })
                .collect(),
            topics: r
                .topics
                .into_iter()
                .map(|t| TopicMetadata {
                    name: t.name.map(|n| n.0.to_string()).unwrap_or_default(),
                    error_code: t.error_code,
                    is_internal: t.is_internal,
                    partitions: t
                        .partitions
                        .into_iter()
                        .map(|p| PartitionMetadata {
                            index: p.partition_index,
                            error_code: p.error_code,
                            leader: p.leader_id.0,
                            replicas: p.replica_nodes.iter().map(|n| n.0).collect(),
                            isr: p.isr_nodes.iter().map(|n| n.0).collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// A topic to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTopic {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i16,
    pub configs: Vec<(String, String)>,
}

/// What became of one topic in a batch call.
#[derive(Debug)]
pub struct TopicOutcome {
    pub name: String,
    pub result: Result<(), KafkaError>,
}

impl TopicOutcome {
    fn new(api: &str, name: &str, code: i16, message: Option<&StrBytes>) -> Self {
        TopicOutcome {
            name: name.to_string(),
            result: check(api, name, code, message),
        }
    }
}

fn str_bytes(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

fn topic_name(s: &str) -> TopicName {
    TopicName(str_bytes(s))
}

impl BrokerConnection {
    /// Metadata for `topics`, or for every topic when `None`; never auto-creates.
    pub async fn metadata(
        &mut self,
        topics: Option<&[&str]>,
    ) -> Result<ClusterMetadata, KafkaError> {
        let request = MetadataRequest::default()
            .with_topics(topics.map(|names| {
                names
                    .iter()
                    .map(|n| MetadataRequestTopic::default().with_name(Some(topic_name(n))))
                    .collect()
            }))
            .with_allow_auto_topic_creation(false);
        let (_, response) = self.send(&request).await?;
        Ok(response.into())
    }

    /// Creates topics (or only validates the request, if `validate_only`).
    pub async fn create_topics(
        &mut self,
        topics: &[NewTopic],
        validate_only: bool,
    ) -> Result<Vec<TopicOutcome>, KafkaError> {
        let request = CreateTopicsRequest::default()
            .with_topics(
                topics
                    .iter()
                    .map(|t| {
                        CreatableTopic::default()
                            .with_name(topic_name(&t.name))
                            .with_num_partitions(t.partitions)
                            .with_replication_factor(t.replication_factor)
                            .with_configs(
                                t.configs
                                    .iter()
                                    .map(|(k, v)| {
                                        CreatableTopicConfig::default()
                                            .with_name(str_bytes(k))
                                            .with_value(Some(str_bytes(v)))
                                    })
                                    .collect(),
                            )
                    })
                    .collect(),
            )
            .with_timeout_ms(self.timeout_ms())
            .with_validate_only(validate_only);
        let (_, response) = self.send(&request).await?;
        Ok(response
            .topics
            .iter()
            .map(|t| {
                TopicOutcome::new(
                    "CreateTopics",
                    &t.name.0,
                    t.error_code,
                    t.error_message.as_ref(),
                )
            })
            .collect())
    }

    /// Deletes topics by name.
    pub async fn delete_topics(&mut self, names: &[&str]) -> Result<Vec<TopicOutcome>, KafkaError> {
        let request = DeleteTopicsRequest::default()
            // Versions up to 5 carry names, 6 carries topic states: fill both.
            .with_topic_names(names.iter().map(|n| topic_name(n)).collect())
            .with_topics(
                names
                    .iter()
                    .map(|n| DeleteTopicState::default().with_name(Some(topic_name(n))))
                    .collect(),
            )
            .with_timeout_ms(self.timeout_ms());
        let (_, response) = self.send(&request).await?;
        Ok(response
            .responses
            .iter()
            .map(|t| {
                let name = t.name.as_ref().map(|n| n.0.as_str()).unwrap_or_default();
                TopicOutcome::new("DeleteTopics", name, t.error_code, t.error_message.as_ref())
            })
            .collect())
    }

    /// Raises each topic's partition count to the given total.
    pub async fn create_partitions(
        &mut self,
        totals: &[(&str, i32)],
        validate_only: bool,
    ) -> Result<Vec<TopicOutcome>, KafkaError> {
        let request = CreatePartitionsRequest::default()
            .with_topics(
                totals
                    .iter()
                    .map(|(n, count)| {
                        // No assignments (null, not an empty list, which
                        // Kafka refuses): the controller places the replicas.
                        CreatePartitionsTopic::default()
                            .with_name(topic_name(n))
                            .with_count(*count)
                            .with_assignments(None)
                    })
                    .collect(),
            )
            .with_timeout_ms(self.timeout_ms())
            .with_validate_only(validate_only);
        let (_, response) = self.send(&request).await?;
        Ok(response
            .results
            .iter()
            .map(|t| {
                TopicOutcome::new(
                    "CreatePartitions",
                    &t.name.0,
                    t.error_code,
                    t.error_message.as_ref(),
                )
            })
            .collect())
    }

    /// The effective config of one resource as the broker describes it.
    pub async fn describe_configs(
        &mut self,
        resource: &ConfigResource,
    ) -> Result<Vec<ConfigEntry>, KafkaError> {
        let (_, response) = self.send(&resource.describe_request()).await?;
        described_entries(response).map_err(|(code, message)| {
            KafkaError::response("DescribeConfigs", resource.name(), code, message)
        })
    }

    /// Applies config changes to one resource (or only validates them).
    pub async fn incremental_alter_configs(
        &mut self,
        resource: &ConfigResource,
        changes: &[ConfigChange],
        validate_only: bool,
    ) -> Result<(), KafkaError> {
        let request = resource
            .alter_request(changes)
            .with_validate_only(validate_only);
        let (_, response) = self.send(&request).await?;
        for r in &response.responses {
            check(
                "IncrementalAlterConfigs",
                resource.name(),
                r.error_code,
                r.error_message.as_ref(),
            )?;
        }
        Ok(())
    }

    pub(super) fn timeout_ms(&self) -> i32 {
        i32::try_from(self.timeout.as_millis()).unwrap_or(i32::MAX)
    }
}
