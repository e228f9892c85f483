//! Metadata and DescribeCluster: the live brokers from the backend (plus the
//! endpoint itself as controller), and topics as the brokers report them —
//! passed through for Kafka, leadership spread over the brokers for tansu.

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
    let brokers_only = requested.as_ref().is_some_and(Vec::is_empty);
    // A Metadata request without topics is how clients probe a connection
    // they just made (librdkafka then drops the bootstrap connection and picks
    // a random listed node). For independent tansu brokers, answering it with
    // the endpoint alone makes that pick the endpoint, not a broker that would
    // describe only itself; requests that name topics (or ask for all) list
    // every live broker.
    let listed: &[LiveBroker] = if brokers_only && kind == ClusterKind::Tansu {
        &[]
    } else {
        &brokers
    };
    let mut entries: Vec<MetadataResponseBroker> = listed
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
    entries.push(
        MetadataResponseBroker::default()
            .with_node_id(BrokerId(cluster.node_id))
            .with_host(StrBytes::from_string(cluster.advertised_host.clone()))
            .with_port(i32::from(cluster.advertised_port)),
    );
    let topics = if brokers_only {
        // No need to ask a broker (tansu would list every topic).
        Vec::new()
    } else {
        topics_from_brokers(
            cluster,
            &brokers,
            kind,
            requested,
            request.allow_auto_topic_creation,
        )
        .await
    };
    MetadataResponse::default()
        .with_brokers(entries)
        .with_cluster_id(Some(StrBytes::from_string(cluster.backend.cluster_id())))
        .with_controller_id(BrokerId(cluster.node_id))
        .with_topics(topics)
}

/// Topics as the first broker that answers reports them.
/// The topics a Metadata request asks for; `None` for all of them (which v0
/// writes as an empty list).
fn requested_topics(request: &MetadataRequest, version: i16) -> Option<Vec<MetadataRequestTopic>> {
    match &request.topics {
        Some(topics) if version == 0 && topics.is_empty() => None,
        topics => topics.clone(),
    }
}

async fn topics_from_brokers(
    cluster: &Cluster,
    brokers: &[LiveBroker],
    kind: ClusterKind,
    topics: Option<Vec<MetadataRequestTopic>>,
    allow_auto_topic_creation: bool,
) -> Vec<MetadataResponseTopic> {
    let asked = MetadataRequest::default()
        .with_topics(topics.clone())
        // Auto-creation on one tansu broker would leave the others without the topic.
        .with_allow_auto_topic_creation(kind == ClusterKind::Kafka && allow_auto_topic_creation);
    for broker in brokers {
        match cluster.links.call(broker, &asked).await {
            Ok((_, answer)) => {
                return match kind {
                    ClusterKind::Kafka => answer.topics,
                    ClusterKind::Tansu => answer
                        .topics
                        .into_iter()
                        .map(|t| spread_leaders(t, brokers))
                        .collect(),
                }
            }
            Err(e) => tracing::warn!(broker = broker.node_id, "Metadata from broker failed: {e}"),
        }
    }
    // No broker answered: named topics have no leader now; "all topics" is empty.
    topics
        .iter()
        .flatten()
        .map(|t| {
            MetadataResponseTopic::default()
                .with_name(t.name.clone())
                .with_topic_id(t.topic_id)
                .with_error_code(LEADER_NOT_AVAILABLE)
        })
        .collect()
}

/// Rewrites a tansu broker's view (node 111 leads everything) so partition
/// `p` is led by the `p % N`-th live broker, its only replica.
fn spread_leaders(topic: MetadataResponseTopic, brokers: &[LiveBroker]) -> MetadataResponseTopic {
    let partitions = topic
        .partitions
        .clone()
        .into_iter()
        .map(|p| {
            let leader = usize::try_from(p.partition_index)
                .ok()
                .and_then(|i| brokers.get(i % brokers.len().max(1)))
                .map_or(-1, |b| b.node_id);
            p.with_leader_id(BrokerId(leader))
                .with_replica_nodes(vec![BrokerId(leader)])
                .with_isr_nodes(vec![BrokerId(leader)])
                .with_offline_replicas(Vec::new())
        })
        .collect();
    topic.with_partitions(partitions)
}

pub(crate) fn describe_cluster(
    cluster: &Cluster,
    request: DescribeClusterRequest,
) -> DescribeClusterResponse {
    let brokers = cluster
        .brokers()
        .into_iter()
        .map(|b| {
            DescribeClusterBroker::default()
                .with_broker_id(BrokerId(b.node_id))
                .with_host(StrBytes::from_string(b.host))
                .with_port(i32::from(b.port))
                .with_rack(b.rack.map(StrBytes::from_string))
        })
        .chain(std::iter::once(
            DescribeClusterBroker::default()
                .with_broker_id(BrokerId(cluster.node_id))
                .with_host(StrBytes::from_string(cluster.advertised_host.clone()))
                .with_port(i32::from(cluster.advertised_port)),
        ))
        .collect();
    DescribeClusterResponse::default()
        .with_endpoint_type(request.endpoint_type)
        .with_cluster_id(StrBytes::from_string(cluster.backend.cluster_id()))
        .with_controller_id(BrokerId(cluster.node_id))
        .with_brokers(brokers)
}
