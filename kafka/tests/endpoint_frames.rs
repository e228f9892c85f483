//! The endpoint at the byte level: what it advertises, unsupported and
//! future requests, and malformed or oversized frames closing only their own
//! connection.

mod support;

// As in the `kmesos` binary: frames announcing huge arrays must not abort.
#[global_allocator]
static ALLOCATOR: kmesos_kafka::ReserveHugeAllocations = kmesos_kafka::ReserveHugeAllocations;

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, FindCoordinatorRequest, ListGroupsRequest, ProduceRequest,
    TopicName,
};
use kafka_protocol::protocol::StrBytes;
use kmesos_kafka::endpoint::IMPLEMENTED_APIS;
use kmesos_kafka::frame::{codec, decode_response};
use kmesos_kafka::{probe, BrokerConnection};
use support::{call, frames, TestCluster, WAIT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

/// Waits for the peer to close: a read returns end of stream.
async fn assert_closed(stream: &mut TcpStream) {
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(WAIT, stream.read(&mut buf))
        .await
        .expect("connection left open");
    assert!(
        matches!(read, Ok(0) | Err(_)),
        "expected the endpoint to close, read {read:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn advertises_exactly_the_implemented_apis() {
    let cluster = TestCluster::start(1).await;
    let summary = probe(&cluster.bootstrap(), WAIT).await.unwrap();
    let advertised: Vec<i16> = summary.apis.keys().copied().collect();
    let mut implemented: Vec<i16> = IMPLEMENTED_APIS.iter().map(|k| *k as i16).collect();
    implemented.sort();
    assert_eq!(advertised, implemented);
    // Current clients open with the flexible ApiVersions v3+; the probe negotiated it.
    assert!(summary.answered_version >= 3, "{summary:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_requests_get_kafkas_error_and_the_connection_stays_usable() {
    let cluster = TestCluster::start(1).await;
    let mut frames = frames(&cluster.bootstrap()).await;

    let groups = call(&mut frames, &ListGroupsRequest::default(), 4, 1).await;
    assert_eq!(groups.error_code, 35, "UNSUPPORTED_VERSION expected");

    let produce = ProduceRequest::default()
        .with_acks(1)
        .with_timeout_ms(1000)
        .with_topic_data(vec![TopicProduceData::default()
            .with_name(TopicName(StrBytes::from_static_str("t")))
            .with_partition_data(
                vec![PartitionProduceData::default().with_index(0)],
            )]);
    let produced = call(&mut frames, &produce, 9, 2).await;
    assert_eq!(produced.responses[0].partition_responses[0].error_code, 35);

    // APIs without a top-level error: every partition or group asked about.
    use kafka_protocol::messages::{list_offsets_request, offset_commit_request};
    use kafka_protocol::messages::{
        DescribeGroupsRequest, ListOffsetsRequest, OffsetCommitRequest,
    };
    let offsets = ListOffsetsRequest::default().with_topics(vec![
        list_offsets_request::ListOffsetsTopic::default()
            .with_name(TopicName(StrBytes::from_static_str("t")))
            .with_partitions(vec![
                list_offsets_request::ListOffsetsPartition::default().with_partition_index(0),
                list_offsets_request::ListOffsetsPartition::default().with_partition_index(1),
            ]),
    ]);
    let listed = call(&mut frames, &offsets, 7, 4).await;
    let codes: Vec<(i32, i16)> = listed.topics[0]
        .partitions
        .iter()
        .map(|p| (p.partition_index, p.error_code))
        .collect();
    assert_eq!(codes, [(0, 35), (1, 35)]);
    let commit = OffsetCommitRequest::default()
        .with_group_id(StrBytes::from_static_str("g").into())
        .with_topics(vec![
            offset_commit_request::OffsetCommitRequestTopic::default()
                .with_name(TopicName(StrBytes::from_static_str("t")))
                .with_partitions(vec![
                    offset_commit_request::OffsetCommitRequestPartition::default()
                        .with_partition_index(3),
                ]),
        ]);
    let committed = call(&mut frames, &commit, 8, 5).await;
    assert_eq!(committed.topics[0].partitions[0].partition_index, 3);
    assert_eq!(committed.topics[0].partitions[0].error_code, 35);
    let described = call(
        &mut frames,
        &DescribeGroupsRequest::default().with_groups(vec![StrBytes::from_static_str("g").into()]),
        5,
        6,
    )
    .await;
    assert_eq!(described.groups[0].error_code, 35);

    // Same connection, still answered.
    let versions = call(&mut frames, &ApiVersionsRequest::default(), 3, 3).await;
    assert_eq!(versions.error_code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_api_versions_than_known_gets_a_v0_answer_to_retry_with() {
    let cluster = TestCluster::start(1).await;
    let mut stream = TcpStream::connect(cluster.endpoint.local_addr())
        .await
        .unwrap();
    // ApiVersions v99: key 18, version 99, correlation id 5, client id "x", flexible tail.
    let body: &[u8] = &[0, 18, 0, 99, 0, 0, 0, 5, 0, 1, b'x', 0];
    stream
        .write_all(&(body.len() as u32).to_be_bytes())
        .await
        .unwrap();
    stream.write_all(body).await.unwrap();
    let mut frames = Framed::new(stream, codec(1 << 20));
    let payload = tokio::time::timeout(WAIT, frames.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let (correlation_id, answer) =
        decode_response::<ApiVersionsRequest>(payload.freeze(), 0).unwrap();
    assert_eq!(correlation_id, 5);
    assert_eq!(answer.error_code, 35);
    let own = answer
        .api_keys
        .iter()
        .find(|k| k.api_key == ApiKey::ApiVersions as i16)
        .unwrap();
    assert_eq!((own.min_version, own.max_version), (0, 4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_frames_close_only_their_connection() {
    let cluster = TestCluster::start(1).await;
    let mut bystander = BrokerConnection::connect(&cluster.bootstrap(), WAIT)
        .await
        .unwrap();
    assert_eq!(bystander.metadata(None).await.unwrap().brokers.len(), 1);

    let garbage: Vec<(&str, Bytes)> = vec![
        (
            "unknown API key",
            Bytes::from_static(&[0, 0, 0, 8, 0x7f, 0x00, 0, 0, 0, 0, 0, 1]),
        ),
        (
            "frame too short for a header",
            Bytes::from_static(&[0, 0, 0, 2, 0, 3]),
        ),
        // Metadata v12 whose body ends inside the topic array.
        (
            "truncated body",
            Bytes::from_static(&[0, 0, 0, 13, 0, 3, 0, 12, 0, 0, 0, 9, 0, 0, 0, 0x05, 0x01]),
        ),
        // Metadata v1 announcing 2^31-1 topics in a 14-byte body: the decoder
        // sizes its vector from that count before reading any of them.
        (
            "array count beyond the frame",
            Bytes::from_static(&[
                0, 0, 0, 14, 0, 3, 0, 1, 0, 0, 0, 9, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff,
            ]),
        ),
        // The same with Metadata v12's compact array (varint count 2^32-1).
        (
            "compact array count beyond the frame",
            Bytes::from_static(&[
                0, 0, 0, 16, 0, 3, 0, 12, 0, 0, 0, 9, 0xff, 0xff, 0, 0xff, 0xff, 0xff, 0xff, 0x0f,
            ]),
        ),
        (
            "oversized frame",
            Bytes::from_static(&[0x7f, 0xff, 0xff, 0xff, 0, 18, 0, 3]),
        ),
    ];
    for (what, bytes) in garbage {
        let mut stream = TcpStream::connect(cluster.endpoint.local_addr())
            .await
            .unwrap();
        stream.write_all(&bytes).await.unwrap();
        assert_closed(&mut stream).await;
        // Everyone else is still served, on their existing connection and on new ones.
        let metadata = bystander
            .metadata(None)
            .await
            .unwrap_or_else(|e| panic!("after {what}: {e}"));
        assert_eq!(
            metadata.cluster_id.as_deref(),
            Some("kmesos-test"),
            "after {what}"
        );
        probe(&cluster.bootstrap(), Duration::from_secs(10))
            .await
            .unwrap_or_else(|e| panic!("after {what}: {e}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_advertised_version_of_every_api_is_answered() {
    use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
    use kafka_protocol::messages::*;
    use kafka_protocol::protocol::Message;

    let cluster = TestCluster::start(1).await;
    let mut frames = frames(&cluster.bootstrap()).await;
    let mut correlation_id = 100;
    let mut next = || {
        correlation_id += 1;
        correlation_id
    };
    for v in ApiVersionsRequest::VERSIONS.min..=ApiVersionsRequest::VERSIONS.max {
        let r = call(&mut frames, &ApiVersionsRequest::default(), v, next()).await;
        assert_eq!(r.api_keys.len(), IMPLEMENTED_APIS.len(), "ApiVersions v{v}");
    }
    for v in MetadataRequest::VERSIONS.min..=MetadataRequest::VERSIONS.max {
        // v0 has no "all topics" form: an empty list means all.
        let request =
            MetadataRequest::default().with_topics(if v == 0 { Some(vec![]) } else { None });
        let r = call(&mut frames, &request, v, next()).await;
        // The one broker; never the endpoint.
        assert_eq!(r.brokers.len(), 1, "Metadata v{v}");
    }
    for v in DescribeClusterRequest::VERSIONS.min..=DescribeClusterRequest::VERSIONS.max {
        let r = call(&mut frames, &DescribeClusterRequest::default(), v, next()).await;
        assert_eq!(r.brokers.len(), 1, "DescribeCluster v{v}");
    }
    for v in CreateTopicsRequest::VERSIONS.min..=CreateTopicsRequest::VERSIONS.max {
        let request = CreateTopicsRequest::default()
            .with_validate_only(true)
            .with_topics(vec![create_topics_request::CreatableTopic::default()
                .with_name(TopicName(StrBytes::from_static_str("sweep")))
                .with_num_partitions(0)
                .with_replication_factor(1)]);
        let r = call(&mut frames, &request, v, next()).await;
        assert_eq!(
            r.topics[0].error_code, 37,
            "CreateTopics v{v}: INVALID_PARTITIONS for 0 partitions"
        );
    }
    for v in DeleteTopicsRequest::VERSIONS.min..=DeleteTopicsRequest::VERSIONS.max {
        let name = TopicName(StrBytes::from_static_str("absent"));
        let request = DeleteTopicsRequest::default()
            .with_topic_names(if v <= 5 { vec![name.clone()] } else { vec![] })
            .with_topics(if v >= 6 {
                vec![delete_topics_request::DeleteTopicState::default().with_name(Some(name))]
            } else {
                vec![]
            });
        let r = call(&mut frames, &request, v, next()).await;
        assert_eq!(
            r.responses[0].error_code, 3,
            "DeleteTopics v{v}: UNKNOWN_TOPIC_OR_PARTITION"
        );
    }
    for v in DescribeConfigsRequest::VERSIONS.min..=DescribeConfigsRequest::VERSIONS.max {
        let request = DescribeConfigsRequest::default().with_resources(vec![
            DescribeConfigsResource::default()
                .with_resource_type(4)
                .with_resource_name(StrBytes::from_static_str("1"))
                .with_configuration_keys(None),
        ]);
        let r = call(&mut frames, &request, v, next()).await;
        assert_eq!(r.results[0].error_code, 0, "DescribeConfigs v{v}");
        assert!(!r.results[0].configs.is_empty(), "DescribeConfigs v{v}");
    }
    for v in
        IncrementalAlterConfigsRequest::VERSIONS.min..=IncrementalAlterConfigsRequest::VERSIONS.max
    {
        let request = IncrementalAlterConfigsRequest::default()
            .with_validate_only(true)
            .with_resources(vec![
                incremental_alter_configs_request::AlterConfigsResource::default()
                    .with_resource_type(4)
                    .with_resource_name(StrBytes::from_static_str("1"))
                    .with_configs(vec![
                        incremental_alter_configs_request::AlterableConfig::default()
                            .with_name(StrBytes::from_static_str("broker.id"))
                            .with_value(Some(StrBytes::from_static_str("7"))),
                    ]),
            ]);
        let r = call(&mut frames, &request, v, next()).await;
        assert_eq!(
            r.responses[0].error_code, 42,
            "IncrementalAlterConfigs v{v}: static refused"
        );
    }
    for v in AlterConfigsRequest::VERSIONS.min..=AlterConfigsRequest::VERSIONS.max {
        let request = AlterConfigsRequest::default()
            .with_validate_only(true)
            .with_resources(vec![alter_configs_request::AlterConfigsResource::default()
                .with_resource_type(4)
                .with_resource_name(StrBytes::from_static_str("1"))
                .with_configs(vec![alter_configs_request::AlterableConfig::default()
                    .with_name(StrBytes::from_static_str("log.retention.ms"))
                    .with_value(Some(StrBytes::from_static_str("1000")))])]);
        let r = call(&mut frames, &request, v, next()).await;
        assert_eq!(
            r.responses[0].error_code, 0,
            "AlterConfigs v{v}: dynamic, validate only"
        );
    }
    for v in CreatePartitionsRequest::VERSIONS.min..=CreatePartitionsRequest::VERSIONS.max {
        let request = CreatePartitionsRequest::default().with_topics(vec![
            create_partitions_request::CreatePartitionsTopic::default()
                .with_name(TopicName(StrBytes::from_static_str("absent")))
                .with_count(3),
        ]);
        let r = call(&mut frames, &request, v, next()).await;
        // tansu 0.6 has no CreatePartitions: the endpoint says so in Kafka's words.
        assert_eq!(r.results[0].error_code, 35, "CreatePartitions v{v}");
    }
    for v in InitProducerIdRequest::VERSIONS.min..=InitProducerIdRequest::VERSIONS.max {
        let request = InitProducerIdRequest::default()
            .with_transactional_id(None)
            .with_transaction_timeout_ms(60_000);
        let r = call(&mut frames, &request, v, next()).await;
        assert_eq!(r.error_code, 0, "InitProducerId v{v}");
        assert!(r.producer_id.0 >= 0, "InitProducerId v{v}: {r:?}");
    }
    // validate_only changes were never recorded.
    assert!(cluster.backend.config_changes.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_lists_the_topics_asked_for() {
    use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
    use kafka_protocol::messages::MetadataRequest;

    let cluster = TestCluster::start(2).await;
    support::connect_with_topics(&cluster.bootstrap(), &["a", "b"], 3).await;
    let mut frames = frames(&cluster.bootstrap()).await;
    let names = |r: &kafka_protocol::messages::MetadataResponse| {
        let mut n: Vec<String> = r
            .topics
            .iter()
            .filter_map(|t| t.name.as_ref())
            .map(|n| n.0.to_string())
            .collect();
        n.sort();
        n
    };
    let all = call(
        &mut frames,
        &MetadataRequest::default().with_topics(None),
        12,
        1,
    )
    .await;
    assert_eq!(names(&all), ["a", "b"]);
    let brokers_only = call(
        &mut frames,
        &MetadataRequest::default().with_topics(Some(vec![])),
        12,
        2,
    )
    .await;
    assert!(brokers_only.topics.is_empty());
    // Every answer lists both brokers and never the endpoint; tansu brokers
    // have no controller of their own, so the first live broker (whose front
    // hands admin requests back to the endpoint) is named controller.
    let nodes = |r: &kafka_protocol::messages::MetadataResponse| {
        r.brokers.iter().map(|b| b.node_id.0).collect::<Vec<_>>()
    };
    assert_eq!(nodes(&brokers_only), [1, 2]);
    assert_eq!(nodes(&all), [1, 2]);
    assert_eq!((brokers_only.controller_id.0, all.controller_id.0), (1, 1));
    let v0_all = call(
        &mut frames,
        &MetadataRequest::default().with_topics(Some(vec![])),
        0,
        3,
    )
    .await;
    assert_eq!(names(&v0_all), ["a", "b"]);
    let one = MetadataRequest::default()
        .with_topics(Some(vec![MetadataRequestTopic::default()
            .with_name(Some(TopicName(StrBytes::from_static_str("b"))))]));
    let b = call(&mut frames, &one, 12, 4).await;
    assert_eq!(names(&b), ["b"]);
    // Partition p of every topic is led by the (p % 2)-th broker, its only replica.
    let leaders: Vec<(i32, i32, Vec<i32>)> = b.topics[0]
        .partitions
        .iter()
        .map(|p| {
            (
                p.partition_index,
                p.leader_id.0,
                p.replica_nodes.iter().map(|n| n.0).collect(),
            )
        })
        .collect();
    let mut leaders = leaders;
    leaders.sort();
    assert_eq!(
        leaders,
        vec![(0, 1, vec![1]), (1, 2, vec![2]), (2, 1, vec![1])]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_coordinators_are_live_brokers() {
    let cluster = TestCluster::start(2).await;
    let first = cluster.fronts[0].local_addr();
    let mut frames = frames(&cluster.bootstrap()).await;
    // Before v4 one key, answered at the top level.
    let single = call(
        &mut frames,
        &FindCoordinatorRequest::default().with_key(StrBytes::from_static_str("g")),
        3,
        1,
    )
    .await;
    assert_eq!(single.error_code, 0);
    assert_eq!(
        (single.node_id.0, single.port),
        (1, i32::from(first.port()))
    );
    // From v4 a list of keys, one coordinator each.
    let keys = vec![
        StrBytes::from_static_str("g1"),
        StrBytes::from_static_str("g2"),
    ];
    let batched = call(
        &mut frames,
        &FindCoordinatorRequest::default().with_coordinator_keys(keys),
        6,
        2,
    )
    .await;
    let found: Vec<(String, i32, i16)> = batched
        .coordinators
        .iter()
        .map(|c| (c.key.to_string(), c.node_id.0, c.error_code))
        .collect();
    assert_eq!(
        found,
        vec![("g1".to_string(), 1, 0), ("g2".to_string(), 1, 0)]
    );
}
