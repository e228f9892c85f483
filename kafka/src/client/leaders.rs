//! Leader election on a [`BrokerConnection`]: every partition's leadership
//! moved to its preferred (first) replica (ElectLeaders, forwarded to the
//! controller).

use kafka_protocol::messages::ElectLeadersRequest;
use kafka_protocol::ResponseError;

use super::{check, BrokerConnection};
use crate::error::KafkaError;

/// ElectLeaders' election type for the preferred replica.
const PREFERRED: i8 = 0;

impl BrokerConnection {
    /// Elects the preferred leader of every partition; the number of
    /// partitions whose leader changed. A partition already led by its
    /// preferred replica is not an error.
    pub async fn elect_preferred_leaders(&mut self) -> Result<usize, KafkaError> {
        let request = ElectLeadersRequest::default()
            .with_election_type(PREFERRED)
            .with_topic_partitions(None)
            .with_timeout_ms(self.timeout_ms());
        let (_, response) = self.send(&request).await?;
        check("ElectLeaders", "", response.error_code, None)?;
        let mut elected = 0;
        for topic in &response.replica_election_results {
            for p in &topic.partition_result {
                if p.error_code == ResponseError::ElectionNotNeeded.code() {
                    continue;
                }
                let resource = format!("{}-{}", topic.topic.0, p.partition_id);
                check(
                    "ElectLeaders",
                    &resource,
                    p.error_code,
                    p.error_message.as_ref(),
                )?;
                elected += 1;
            }
        }
        Ok(elected)
    }
}
