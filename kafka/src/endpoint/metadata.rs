//! Metadata and DescribeCluster: the live brokers from the backend (the
//! endpoint never lists itself), the controller, and topics as the brokers
//! report them — passed through for Kafka, leadership spread over the
//! configured brokers for tansu (a partition whose broker is down is offline).

use kafka_protocol::messages::describe_cluster_response::DescribeClusterBroker;
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::metadata_response::{MetadataResponseBroker, MetadataResponseTopic};
use kafka_protocol::messages::{
    BrokerId, DescribeClusterRequest, DescribeClusterResponse, MetadataRequest, MetadataResponse,
};
use kafka_protocol::protocol::StrBytes;

use super::{Cluster, ClusterKind, LiveBroker};
use crate::error::code::LEADER_NOT_AVAILABLE;

pub(crate) async fn metadata(
    cluster: &Cluster,
    request: MetadataRequest,
    version: i16,
) -> MetadataResponse {
    let brokers = cluster.brokers();
    let kind = cluster.backend.kind();
    let requested = requested_topics(&request, version);
    let entries: Vec<MetadataResponseBroker> = brokers
        .iter()
        .map(|b| {
            MetadataResponseBroker::default()
                .with_node_id(BrokerId(b.node_id))
                .with_host(StrBytes::from_string(b.host.clone()))
                .with_port(i32::from(b.port))
                .with_rack(if version >= 1 {
                    b.rack.clone().map(StrBytes::from_string)
                } else {
                    None
                })
        })
        .collect();
    let view = cluster_view(
        cluster,
        &brokers,
        kind,
        requested,
        request.allow_auto_topic_creation,
    )
    .await;
    MetadataResponse::default()
        .with_brokers(entries)
        .with_cluster_id(Some(StrBytes::from_string(cluster.backend.cluster_id())))
        .with_controller_id(BrokerId(view.controller))
        .with_topics(view.topics)
}

/// The topics a Metadata request asks for; `None` for all of them (which v0
/// writes as an empty list).
fn requested_topics(request: &MetadataRequest, version: i16) -> Option<Vec<MetadataRequestTopic>> {
    match &request.topics {
        Some(topics) if version == 0 && topics.is_empty() => None,
        topics => topics.clone(),
    }
}

/// What the brokers say of the cluster: its controller and topics.
struct BrokersView {
    controller: i32,
    topics: Vec<MetadataResponseTopic>,
}

/// The controller, and the topics as the first broker that answers reports
/// them. Kafka's answer is passed through. tansu brokers each claim every
/// partition and have no controller: leadership is spread over the live
/// brokers and the first live broker is named controller, so admin clients
/// send their requests to its front, which hands them to this endpoint.
async fn cluster_view(
    cluster: &Cluster,
    brokers: &[LiveBroker],
    kind: ClusterKind,
    topics: Option<Vec<MetadataRequestTopic>>,
    allow_auto_topic_creation: bool,
) -> BrokersView {
    let first_live = brokers.first().map_or(-1, |b| b.node_id);
    let brokers_only = topics.as_ref().is_some_and(Vec::is_empty);
    if kind == ClusterKind::Tansu && brokers_only {
        // No need to ask a broker (tansu would list every topic).
        return BrokersView {
            controller: first_live,
            topics: Vec::new(),
        };
    }
    let asked = MetadataRequest::default()
        .with_topics(topics.clone())
        // Auto-creation on one tansu broker would leave the others without the topic.
        .with_allow_auto_topic_creation(kind == ClusterKind::Kafka && allow_auto_topic_creation);
    for broker in brokers {
        match cluster.links.call(broker, &asked).await {
            Ok((_, answer)) => {
                return match kind {
                    ClusterKind::Kafka => BrokersView {
                        controller: answer.controller_id.0,
                        topics: answer.topics,
                    },
                    ClusterKind::Tansu => {
                        let ids = cluster.broker_ids();
                        BrokersView {
                            controller: first_live,
                            topics: answer
                                .topics
                                .into_iter()
                                .map(|t| spread_leaders(t, &ids, brokers))
                                .collect(),
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(broker = broker.node_id, "Metadata from broker failed: {e}"),
        }
    }
    // No broker answered: named topics have no leader now; "all topics" is empty.
    let topics = topics
        .iter()
        .flatten()
        .map(|t| {
            MetadataResponseTopic::default()
                .with_name(t.name.clone())
                .with_topic_id(t.topic_id)
                .with_error_code(LEADER_NOT_AVAILABLE)
        })
        .collect();
    BrokersView {
        controller: -1,
        topics,
    }
}

/// Rewrites a tansu broker's view (node 111 leads everything) so partition
/// `p` is led by the `p % N`-th of the cluster's `N` configured brokers
/// (`ids`), its only replica; while that broker is not `live`, the partition
/// has no leader.
fn spread_leaders(
    topic: MetadataResponseTopic,
    ids: &[i32],
    live: &[LiveBroker],
) -> MetadataResponseTopic {
    let partitions = topic
        .partitions
        .clone()
        .into_iter()
        .map(|p| {
            let home = usize::try_from(p.partition_index)
                .ok()
                .and_then(|i| ids.get(i % ids.len().max(1)))
                .copied();
            let replicas: Vec<BrokerId> = home.map(BrokerId).into_iter().collect();
            let p = p
                .with_replica_nodes(replicas.clone())
                .with_isr_nodes(replicas.clone());
            match home.filter(|id| live.iter().any(|b| b.node_id == *id)) {
                Some(leader) => p
                    .with_leader_id(BrokerId(leader))
                    .with_offline_replicas(Vec::new()),
                None => p
                    .with_error_code(LEADER_NOT_AVAILABLE)
                    .with_leader_id(BrokerId(-1))
                    .with_offline_replicas(replicas),
            }
        })
        .collect();
    topic.with_partitions(partitions)
}

pub(crate) async fn describe_cluster(
    cluster: &Cluster,
    request: DescribeClusterRequest,
) -> DescribeClusterResponse {
    let brokers = cluster.brokers();
    let view = cluster_view(
        cluster,
        &brokers,
        cluster.backend.kind(),
        Some(Vec::new()),
        false,
    )
    .await;
    let brokers = brokers
        .into_iter()
        .map(|b| {
            DescribeClusterBroker::default()
                .with_broker_id(BrokerId(b.node_id))
                .with_host(StrBytes::from_string(b.host))
                .with_port(i32::from(b.port))
                .with_rack(b.rack.map(StrBytes::from_string))
        })
        .collect();
    DescribeClusterResponse::default()
        .with_endpoint_type(request.endpoint_type)
        .with_cluster_id(StrBytes::from_string(cluster.backend.cluster_id()))
        .with_controller_id(BrokerId(view.controller))
        .with_brokers(brokers)
}
