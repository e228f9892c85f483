//! A tansu broker's front on its own: the ApiVersions it gives clients, and
//! tansu answering everything while the endpoint cannot be reached.

mod support;

use std::net::SocketAddr;

use kafka_protocol::messages::{ApiKey, ApiVersionsRequest, ApiVersionsResponse, MetadataRequest};
use kmesos_kafka::front::{Front, FrontPlan};
use support::{call, frames, free_port, TansuBroker, TestCluster};

fn max_version(answer: &ApiVersionsResponse, key: ApiKey) -> Option<i16> {
    answer
        .api_keys
        .iter()
        .find(|k| k.api_key == key as i16)
        .map(|k| k.max_version)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_get_the_endpoints_versions_and_data_apis_that_name_topics() {
    let cluster = TestCluster::start(1).await;
    let request = ApiVersionsRequest::default();
    let tansu = call(
        &mut frames(&cluster.brokers[0].addr()).await,
        &request,
        3,
        1,
    )
    .await;
    let endpoint = call(&mut frames(&cluster.bootstrap()).await, &request, 3, 2).await;
    let front = call(&mut frames(&cluster.broker_addr(1)).await, &request, 3, 3).await;

    // Cluster APIs at the endpoint's ranges, data APIs at tansu's.
    for key in [
        ApiKey::Metadata,
        ApiKey::CreateTopics,
        ApiKey::InitProducerId,
    ] {
        assert_eq!(
            max_version(&front, key),
            max_version(&endpoint, key),
            "{key:?}"
        );
    }
    for key in [ApiKey::JoinGroup, ApiKey::ListOffsets] {
        assert_eq!(
            max_version(&front, key),
            max_version(&tansu, key),
            "{key:?}"
        );
    }
    // Produce and Fetch no later than the versions that name topics.
    let produce = max_version(&front, ApiKey::Produce).unwrap();
    let fetch = max_version(&front, ApiKey::Fetch).unwrap();
    assert!(produce <= 12 && fetch <= 12, "{produce} {fetch}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tansu_answers_everything_while_the_endpoint_is_unreachable() {
    let tansu = TansuBroker::start().await;
    let nobody = format!("127.0.0.1:{}", free_port());
    let listen = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let plan = FrontPlan {
        listen,
        broker: tansu.addr().parse().unwrap(),
        endpoint: nobody,
    };
    let front = Front::start(plan).await.unwrap();
    let mut connection = frames(&front.local_addr().to_string()).await;

    let versions = call(&mut connection, &ApiVersionsRequest::default(), 3, 1).await;
    assert_eq!(versions.error_code, 0);
    assert!(max_version(&versions, ApiKey::Produce).is_some());
    // tansu's own view: itself as node 111.
    let metadata = call(&mut connection, &MetadataRequest::default(), 12, 2).await;
    let nodes: Vec<i32> = metadata.brokers.iter().map(|b| b.node_id.0).collect();
    assert_eq!(nodes, [111]);
}
