//! The Kafka work of moving partitions (off a broker to destroy, over a
//! cluster to rebalance), as the core asks for it: read the partitions and
//! the running reassignments; set the replication throttle and start the
//! moves; delete the throttle; elect the preferred leaders. Each goes
//! through the first of the cluster's brokers that answers and ends in the
//! event that answers it.

use std::collections::BTreeMap;

use engine::plan::reassignment::ReplicaMove;
use engine::Address;
use kafka::client::Reassignment;
use kafka::configs::{ConfigChange, ConfigResource};
use kafka::{BrokerConnection, KafkaError};

use crate::core::{Event, LiveReassignment, Throttle};
use crate::partitions::{self, CALL_TIMEOUT};

/// Kafka's per-broker replication rates (bytes/s) for throttled replicas.
const RATES: [&str; 2] = [
    "leader.replication.throttled.rate",
    "follower.replication.throttled.rate",
];
/// The topic properties naming the throttled replicas (`partition:broker`):
/// on the leader side the moved partitions' current replicas, on the
/// follower side the replicas they gain.
const LEADER_REPLICAS: &str = "leader.replication.throttled.replicas";
const FOLLOWER_REPLICAS: &str = "follower.replication.throttled.replicas";

/// Reads the cluster's partitions and running reassignments.
pub async fn read(address: Address, endpoints: Vec<String>) -> Event {
    let read = async {
        let mut connection = connect(&endpoints).await?;
        let partitions = partitions::read(&mut connection).await?;
        let running = connection.list_partition_reassignments().await?;
        Ok::<_, KafkaError>(LiveReassignment {
            partitions,
            running,
        })
    };
    Event::ReassignmentRead {
        address,
        read: read.await.map_err(|e| e.to_string()),
    }
}

/// Sets the throttle, if any, then asks the controller for the moves.
pub async fn reassign(
    address: Address,
    endpoints: Vec<String>,
    moves: Vec<ReplicaMove>,
    throttle: Option<Throttle>,
) -> Event {
    let asked = async {
        let mut connection = connect(&endpoints).await?;
        if let Some(throttle) = &throttle {
            set_throttle(&mut connection, throttle, &moves).await?;
        }
        let reassignments: Vec<Reassignment> = moves
            .iter()
            .map(|m| Reassignment {
                topic: m.topic.clone(),
                partition: m.partition,
                replicas: m
                    .target
                    .iter()
                    .filter_map(|b| i32::try_from(*b).ok())
                    .collect(),
            })
            .collect();
        connection
            .alter_partition_reassignments(&reassignments)
            .await
    };
    Event::ReassignmentAsked {
        address,
        error: asked.await.err().map(|e| e.to_string()),
    }
}

/// Deletes the rates on `brokers` and the throttled replicas of every topic.
pub async fn clear_throttle(
    address: Address,
    endpoints: Vec<String>,
    brokers: BTreeMap<u32, String>,
) -> Event {
    let cleared = async {
        set_rates(&brokers, &deletes(&RATES)).await?;
        let mut connection = connect(&endpoints).await?;
        let topics = connection.metadata(None).await?.topics;
        let replicas = deletes(&[LEADER_REPLICAS, FOLLOWER_REPLICAS]);
        for topic in topics {
            let resource = ConfigResource::Topic(topic.name);
            connection
                .incremental_alter_configs(&resource, &replicas, false)
                .await?;
        }
        Ok::<_, KafkaError>(())
    };
    Event::ThrottleCleared {
        address,
        error: cleared.await.err().map(|e| e.to_string()),
    }
}

/// Asks for every partition's leadership on its preferred replica.
pub async fn elect_preferred_leaders(cluster: String, endpoints: Vec<String>) -> Event {
    let elected = async {
        let mut connection = connect(&endpoints).await?;
        connection.elect_preferred_leaders().await
    };
    Event::LeadersElected {
        cluster,
        elected: elected.await.map_err(|e| e.to_string()),
    }
}

async fn set_throttle(
    connection: &mut BrokerConnection,
    throttle: &Throttle,
    moves: &[ReplicaMove],
) -> Result<(), KafkaError> {
    let rates: Vec<ConfigChange> = RATES
        .iter()
        .map(|name| ConfigChange::Set {
            name: name.to_string(),
            value: throttle.rate.to_string(),
        })
        .collect();
    set_rates(&throttle.brokers, &rates).await?;
    for (topic, (leader, follower)) in throttled_replicas(moves) {
        let mut changes = vec![ConfigChange::Set {
            name: LEADER_REPLICAS.to_string(),
            value: leader.join(","),
        }];
        if !follower.is_empty() {
            changes.push(ConfigChange::Set {
                name: FOLLOWER_REPLICAS.to_string(),
                value: follower.join(","),
            });
        }
        let resource = ConfigResource::Topic(topic.to_string());
        connection
            .incremental_alter_configs(&resource, &changes, false)
            .await?;
    }
    Ok(())
}

/// Makes the rate `changes` on each broker, through its own endpoint: a
/// broker takes changes to its own configs only.
async fn set_rates(
    brokers: &BTreeMap<u32, String>,
    changes: &[ConfigChange],
) -> Result<(), KafkaError> {
    for (id, endpoint) in brokers {
        let mut connection = BrokerConnection::connect(endpoint, CALL_TIMEOUT).await?;
        let resource = ConfigResource::Broker(id.to_string());
        connection
            .incremental_alter_configs(&resource, changes, false)
            .await?;
    }
    Ok(())
}

/// Per topic, its leader-side and follower-side throttled replicas.
fn throttled_replicas(moves: &[ReplicaMove]) -> BTreeMap<&str, (Vec<String>, Vec<String>)> {
    let mut topics: BTreeMap<&str, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for m in moves {
        let (leader, follower) = topics.entry(m.topic.as_str()).or_default();
        let p = m.partition;
        leader.extend(m.replicas.iter().map(|b| format!("{p}:{b}")));
        let gained = m.target.iter().filter(|b| !m.replicas.contains(b));
        follower.extend(gained.map(|b| format!("{p}:{b}")));
    }
    topics
}

fn deletes(names: &[&str]) -> Vec<ConfigChange> {
    names
        .iter()
        .map(|name| ConfigChange::Delete {
            name: name.to_string(),
        })
        .collect()
}

/// A connection to the first of `endpoints` that answers.
async fn connect(endpoints: &[String]) -> Result<BrokerConnection, KafkaError> {
    let mut last = None;
    for endpoint in endpoints {
        match BrokerConnection::connect(endpoint, CALL_TIMEOUT).await {
            Ok(connection) => return Ok(connection),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| KafkaError::Connect {
        addr: "the cluster".to_string(),
        source: std::io::Error::other("none of its brokers is running"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leader_side_throttles_the_current_replicas_and_the_follower_side_the_new_ones() {
        let moves = [ReplicaMove {
            topic: "orders".into(),
            partition: 2,
            replicas: vec![1, 3, 0],
            target: vec![1, 2, 0],
        }];
        let throttled = throttled_replicas(&moves);
        assert_eq!(
            throttled["orders"],
            (
                vec!["2:1".to_string(), "2:3".into(), "2:0".into()],
                vec!["2:2".to_string()]
            )
        );
    }
}
