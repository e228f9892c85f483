//! A tansu broker's front on its own: the ApiVersions it gives clients, and
//! tansu answering while the endpoint cannot be reached, until it is back.

mod support;

use std::time::{Duration, Instant};

use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, MetadataRequest, MetadataResponse,
};
use kmesos_kafka::endpoint::{AdminEndpoint, EndpointConfig};
use support::{call, frames, TestCluster};

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
async fn tansu_answers_while_the_endpoint_is_down_and_the_endpoint_once_back() {
    let TestCluster {
        brokers: _brokers,
        fronts,
        backend,
        endpoint,
    } = TestCluster::start(1).await;
    let addr = endpoint.local_addr().to_string();
    endpoint.stop().await;

    let mut connection = frames(&fronts[0].local_addr().to_string()).await;
    let versions = call(&mut connection, &ApiVersionsRequest::default(), 3, 1).await;
    assert_eq!(versions.error_code, 0);
    assert!(max_version(&versions, ApiKey::Produce).is_some());
    // tansu's own view: itself as node 111.
    let nodes = |m: &MetadataResponse| m.brokers.iter().map(|b| b.node_id.0).collect::<Vec<_>>();
    let metadata = call(&mut connection, &MetadataRequest::default(), 12, 2).await;
    assert_eq!(nodes(&metadata), [111]);

    // The scheduler is back: the same connection gets the endpoint's view
    // (broker 1) within a few seconds.
    let _endpoint = AdminEndpoint::start(EndpointConfig::new(addr), backend)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut correlation = 3;
    loop {
        let metadata = call(
            &mut connection,
            &MetadataRequest::default(),
            12,
            correlation,
        )
        .await;
        if nodes(&metadata) == [1] {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still tansu's view: {metadata:?}"
        );
        correlation += 1;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
