//! FindCoordinator: where a consumer group (or transaction) is coordinated.
//! Consumers bootstrapped at the endpoint ask it first; the answer names a
//! live broker, so group traffic goes to the brokers. On Kafka the first live
//! broker's answer is passed through; on tansu every group is coordinated by
//! the first live broker (node id order), which tansu calls node 111 and the
//! answer calls by its kmesos id.

use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::{BrokerId, FindCoordinatorRequest, FindCoordinatorResponse};
use kafka_protocol::protocol::StrBytes;

use super::{failure_code, Cluster, ClusterKind};
use crate::error::code::COORDINATOR_NOT_AVAILABLE;

/// FindCoordinator versions from which keys come as a list.
const BATCHED: i16 = 4;

pub(crate) async fn find_coordinator(
    cluster: &Cluster,
    request: FindCoordinatorRequest,
    version: i16,
) -> FindCoordinatorResponse {
    let keys = if version >= BATCHED {
        request.coordinator_keys.clone()
    } else {
        vec![request.key.clone()]
    };
    let coordinators = locate(cluster, &keys, request.key_type).await;
    if version >= BATCHED {
        return FindCoordinatorResponse::default().with_coordinators(coordinators);
    }
    match coordinators.into_iter().next() {
        Some(c) => FindCoordinatorResponse::default()
            .with_error_code(c.error_code)
            .with_error_message(if version >= 1 { c.error_message } else { None })
            .with_node_id(c.node_id)
            .with_host(c.host)
            .with_port(c.port),
        None => FindCoordinatorResponse::default().with_error_code(COORDINATOR_NOT_AVAILABLE),
    }
}

/// One coordinator per key, from the first live broker that answers.
async fn locate(cluster: &Cluster, keys: &[StrBytes], key_type: i8) -> Vec<Coordinator> {
    let brokers = cluster.brokers();
    let first_key = keys.first().cloned().unwrap_or_default();
    // One key up to v3, a list from v4: build the form the broker's version has.
    let asked = |version: i16| {
        let request = FindCoordinatorRequest::default().with_key_type(key_type);
        if version >= BATCHED {
            request.with_coordinator_keys(keys.to_vec())
        } else {
            request.with_key(first_key.clone())
        }
    };
    let mut failure = (COORDINATOR_NOT_AVAILABLE, "no live broker".to_string());
    for broker in &brokers {
        match cluster.links.call_versioned(broker, asked).await {
            Ok((broker_version, answer)) => {
                let found: Vec<Coordinator> = if broker_version >= BATCHED {
                    answer.coordinators
                } else {
                    vec![Coordinator::default()
                        .with_key(first_key.clone())
                        .with_node_id(answer.node_id)
                        .with_host(answer.host)
                        .with_port(answer.port)
                        .with_error_code(answer.error_code)
                        .with_error_message(answer.error_message)]
                };
                return match cluster.backend.kind() {
                    ClusterKind::Kafka => found,
                    // tansu answers with itself as node 111: name it as kmesos does.
                    ClusterKind::Tansu => found
                        .into_iter()
                        .map(|c| {
                            if c.error_code != 0 {
                                return c;
                            }
                            c.with_node_id(BrokerId(broker.node_id))
                                .with_host(StrBytes::from_string(broker.host.clone()))
                                .with_port(i32::from(broker.port))
                        })
                        .collect(),
                };
            }
            Err(e) => {
                tracing::warn!(
                    broker = broker.node_id,
                    "FindCoordinator on broker failed: {e}"
                );
                failure = (failure_code(&e), e.to_string());
            }
        }
    }
    keys.iter()
        .map(|key| {
            Coordinator::default()
                .with_key(key.clone())
                .with_node_id(BrokerId(-1))
                .with_error_code(failure.0)
                .with_error_message(Some(StrBytes::from_string(failure.1.clone())))
        })
        .collect()
}
