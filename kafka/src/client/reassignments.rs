//! Partition reassignment on a [`BrokerConnection`]: start moves
//! (AlterPartitionReassignments) and list the ones running
//! (ListPartitionReassignments); brokers forward both to the controller.

use kafka_protocol::messages::alter_partition_reassignments_request::{
    ReassignablePartition, ReassignableTopic,
};
use kafka_protocol::messages::{
    AlterPartitionReassignmentsRequest, BrokerId, ListPartitionReassignmentsRequest, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use super::{check, BrokerConnection};
use crate::error::KafkaError;

/// A partition's wanted replicas, preferred leader first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reassignment {
    pub topic: String,
    pub partition: i32,
    pub replicas: Vec<i32>,
}

impl BrokerConnection {
    /// Asks the controller to move each partition to its replicas; a
    /// partition already moving to the same replicas is left as it is.
    pub async fn alter_partition_reassignments(
        &mut self,
        reassignments: &[Reassignment],
    ) -> Result<(), KafkaError> {
        let mut topics: Vec<ReassignableTopic> = Vec::new();
        for r in reassignments {
            let partition = ReassignablePartition::default()
                .with_partition_index(r.partition)
                .with_replicas(Some(r.replicas.iter().map(|b| BrokerId(*b)).collect()));
            match topics.iter_mut().find(|t| t.name.0.as_str() == r.topic) {
                Some(topic) => topic.partitions.push(partition),
                None => topics.push(
                    ReassignableTopic::default()
                        .with_name(TopicName(StrBytes::from_string(r.topic.clone())))
                        .with_partitions(vec![partition]),
                ),
            }
        }
        let request = AlterPartitionReassignmentsRequest::default()
            .with_timeout_ms(self.timeout_ms())
            .with_topics(topics);
        let (_, response) = self.send(&request).await?;
        let api = "AlterPartitionReassignments";
        check(
            api,
            "",
            response.error_code,
            response.error_message.as_ref(),
        )?;
        for topic in &response.responses {
            for p in &topic.partitions {
                let resource = format!("{}-{}", topic.name.0, p.partition_index);
                check(api, &resource, p.error_code, p.error_message.as_ref())?;
            }
        }
        Ok(())
    }

    /// The partitions whose reassignment is running, as (topic, partition).
    pub async fn list_partition_reassignments(&mut self) -> Result<Vec<(String, i32)>, KafkaError> {
        let request = ListPartitionReassignmentsRequest::default()
            .with_timeout_ms(self.timeout_ms())
            .with_topics(None);
        let (_, response) = self.send(&request).await?;
        let message = response.error_message.as_ref();
        check(
            "ListPartitionReassignments",
            "",
            response.error_code,
            message,
        )?;
        Ok(response
            .topics
            .iter()
            .flat_map(|t| {
                t.partitions
                    .iter()
                    .map(|p| (t.name.0.to_string(), p.partition_index))
            })
            .collect())
    }
}
