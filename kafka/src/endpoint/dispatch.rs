//! Routes each decoded request to its handler and encodes the answer at the
//! client's version. Also answers ApiVersions, advertising exactly the APIs
//! handled here.

use bytes::Bytes;
use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::{ApiKey, ApiVersionsResponse, RequestKind, ResponseKind};

use super::{config_requests, coordinator, metadata, producer_ids, topics, unsupported, Cluster};
use crate::error::code::UNSUPPORTED_VERSION;
use crate::frame::{encode_response, IncomingRequest};

/// The APIs the endpoint implements, each at every version kafka-protocol
/// knows; everything else is answered as unsupported.
pub const IMPLEMENTED_APIS: [ApiKey; 11] = [
    ApiKey::ApiVersions,
    ApiKey::Metadata,
    ApiKey::DescribeCluster,
    ApiKey::FindCoordinator,
    ApiKey::CreateTopics,
    ApiKey::DeleteTopics,
    ApiKey::CreatePartitions,
    ApiKey::DescribeConfigs,
    ApiKey::IncrementalAlterConfigs,
    ApiKey::AlterConfigs,
    ApiKey::InitProducerId,
];

/// The encoded answer to one request, or why the connection must close.
pub(crate) async fn answer(cluster: &Cluster, incoming: IncomingRequest) -> Result<Bytes, String> {
    let (header, response, version) = match incoming {
        IncomingRequest::UnsupportedVersion { header, api_key } => {
            if api_key != ApiKey::ApiVersions {
                return Err(format!(
                    "{api_key:?} v{} is newer than this endpoint can read",
                    header.request_api_version
                ));
            }
            // A client newer than us: Kafka answers in v0 with the versions it
            // does support, so the client can retry at one of them.
            (
                header,
                ResponseKind::ApiVersions(api_versions(UNSUPPORTED_VERSION)),
                0,
            )
        }
        IncomingRequest::Decoded {
            header,
            api_key,
            request,
        } => {
            let version = header.request_api_version;
            let response = match *request {
                RequestKind::ApiVersions(_) => ResponseKind::ApiVersions(api_versions(0)),
                RequestKind::Metadata(r) => {
                    ResponseKind::Metadata(metadata::metadata(cluster, r, version).await)
                }
                RequestKind::FindCoordinator(r) => ResponseKind::FindCoordinator(
                    coordinator::find_coordinator(cluster, r, version).await,
                ),
                RequestKind::DescribeCluster(r) => {
                    ResponseKind::DescribeCluster(metadata::describe_cluster(cluster, r).await)
                }
                RequestKind::CreateTopics(r) => {
                    ResponseKind::CreateTopics(topics::create_topics(cluster, r).await)
                }
                RequestKind::DeleteTopics(r) => {
                    ResponseKind::DeleteTopics(topics::delete_topics(cluster, r).await)
                }
                RequestKind::CreatePartitions(r) => {
                    ResponseKind::CreatePartitions(topics::create_partitions(cluster, r).await)
                }
                RequestKind::DescribeConfigs(r) => ResponseKind::DescribeConfigs(
                    config_requests::describe_configs(cluster, r).await,
                ),
                RequestKind::IncrementalAlterConfigs(r) => ResponseKind::IncrementalAlterConfigs(
                    config_requests::incremental_alter_configs(cluster, r).await,
                ),
                RequestKind::AlterConfigs(r) => {
                    ResponseKind::AlterConfigs(config_requests::alter_configs(cluster, r).await)
                }
                RequestKind::InitProducerId(r) => {
                    ResponseKind::InitProducerId(producer_ids::init_producer_id(cluster, r).await)
                }
                other => unsupported::answer(&other).ok_or_else(|| {
                    format!(
                        "{api_key:?} is not implemented and Kafka gives it no error-only answer"
                    )
                })?,
            };
            (header, response, version)
        }
    };
    encode_response(header.correlation_id, &response, version)
        .map_err(|e| format!("cannot encode the answer at v{version}: {e}"))
}

fn api_versions(error_code: i16) -> ApiVersionsResponse {
    ApiVersionsResponse::default()
        .with_error_code(error_code)
        .with_api_keys(
            IMPLEMENTED_APIS
                .iter()
                .map(|key| {
                    let range = key.valid_versions();
                    ApiVersion::default()
                        .with_api_key(*key as i16)
                        .with_min_version(range.min)
                        .with_max_version(range.max)
                })
                .collect(),
        )
}
