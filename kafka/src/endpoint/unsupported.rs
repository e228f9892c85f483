//! Answers to requests the endpoint does not implement: the API's own
//! response carrying UNSUPPORTED_VERSION, as a broker answers an API it does
//! not support, so the client's connection stays usable. APIs whose response
//! has no place for a top-level error (besides Produce, answered per
//! partition) get `None`, and the connection closes as Kafka closes it.

use kafka_protocol::messages::produce_response::{PartitionProduceResponse, TopicProduceResponse};
use kafka_protocol::messages::*;

use crate::error::code::UNSUPPORTED_VERSION;

/// A response of the request's own API that reports UNSUPPORTED_VERSION.
pub(crate) fn answer(request: &RequestKind) -> Option<ResponseKind> {
    macro_rules! top_level_error {
        ($($api:ident => $response:ident),* $(,)?) => {
            match request {
                RequestKind::Produce(produce) => Some(ResponseKind::Produce(produce_refused(produce))),
                $(RequestKind::$api(_) => Some(ResponseKind::$api($response::default().with_error_code(UNSUPPORTED_VERSION))),)*
                _ => None,
            }
        };
    }
    top_level_error! {
        Fetch => FetchResponse,
        JoinGroup => JoinGroupResponse,
        Heartbeat => HeartbeatResponse,
        LeaveGroup => LeaveGroupResponse,
        SyncGroup => SyncGroupResponse,
        ListGroups => ListGroupsResponse,
        OffsetFetch => OffsetFetchResponse,
        OffsetDelete => OffsetDeleteResponse,
        AddOffsetsToTxn => AddOffsetsToTxnResponse,
        AddPartitionsToTxn => AddPartitionsToTxnResponse,
        EndTxn => EndTxnResponse,
        SaslHandshake => SaslHandshakeResponse,
        SaslAuthenticate => SaslAuthenticateResponse,
        DescribeAcls => DescribeAclsResponse,
        DescribeLogDirs => DescribeLogDirsResponse,
        DescribeClientQuotas => DescribeClientQuotasResponse,
        DescribeUserScramCredentials => DescribeUserScramCredentialsResponse,
        ElectLeaders => ElectLeadersResponse,
        AlterPartitionReassignments => AlterPartitionReassignmentsResponse,
        ListPartitionReassignments => ListPartitionReassignmentsResponse,
        CreateDelegationToken => CreateDelegationTokenResponse,
        RenewDelegationToken => RenewDelegationTokenResponse,
        ExpireDelegationToken => ExpireDelegationTokenResponse,
        DescribeDelegationToken => DescribeDelegationTokenResponse,
        DescribeQuorum => DescribeQuorumResponse,
        UpdateFeatures => UpdateFeaturesResponse,
        ListTransactions => ListTransactionsResponse,
        ConsumerGroupHeartbeat => ConsumerGroupHeartbeatResponse,
        GetTelemetrySubscriptions => GetTelemetrySubscriptionsResponse,
        PushTelemetry => PushTelemetryResponse,
        ShareGroupHeartbeat => ShareGroupHeartbeatResponse,
        ShareFetch => ShareFetchResponse,
        ShareAcknowledge => ShareAcknowledgeResponse,
        ListConfigResources => ListConfigResourcesResponse,
    }
}

/// Produce has no top-level error: every partition asked about is refused.
fn produce_refused(request: &ProduceRequest) -> ProduceResponse {
    ProduceResponse::default().with_responses(
        request
            .topic_data
            .iter()
            .map(|topic| {
                TopicProduceResponse::default()
                    .with_name(topic.name.clone())
                    .with_topic_id(topic.topic_id)
                    .with_partition_responses(
                        topic
                            .partition_data
                            .iter()
                            .map(|p| {
                                PartitionProduceResponse::default()
                                    .with_index(p.index)
                                    .with_error_code(UNSUPPORTED_VERSION)
                            })
                            .collect(),
                    )
            })
            .collect(),
    )
}
