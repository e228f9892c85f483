//! Answers to requests the endpoint does not implement: the API's own
//! response carrying UNSUPPORTED_VERSION, as a broker answers an API it does
//! not support, so the client's connection stays usable. APIs without a
//! top-level error are refused item by item: every partition asked about
//! (Produce, ListOffsets, OffsetCommit, OffsetForLeaderEpoch, DeleteRecords)
//! or every group (DescribeGroups, DeleteGroups). The rest (mostly
//! broker-to-broker APIs) get `None`, and the connection closes as a Kafka
//! broker closes it for an API its listener does not enable.

use kafka_protocol::messages::delete_groups_response::DeletableGroupResult;
use kafka_protocol::messages::delete_records_response::{
    DeleteRecordsPartitionResult, DeleteRecordsTopicResult,
};
use kafka_protocol::messages::describe_groups_response::DescribedGroup;
use kafka_protocol::messages::list_offsets_response::{
    ListOffsetsPartitionResponse, ListOffsetsTopicResponse,
};
use kafka_protocol::messages::offset_commit_response::{
    OffsetCommitResponsePartition, OffsetCommitResponseTopic,
};
use kafka_protocol::messages::offset_for_leader_epoch_response::{
    EpochEndOffset, OffsetForLeaderTopicResult,
};
use kafka_protocol::messages::produce_response::{PartitionProduceResponse, TopicProduceResponse};
use kafka_protocol::messages::*;

use crate::error::code::UNSUPPORTED_VERSION;

/// Refuses every partition of a request: for each of the request's topics
/// (`topics`, named by `name`, partitions in `partitions` indexed by
/// `index`), a response topic (built with `with_topic_name`, any `also`
/// fields copied, and `with_topic_partitions`) whose partitions (built with
/// `with_index`) all carry UNSUPPORTED_VERSION.
macro_rules! refuse_partitions {
    ($request:expr, $topics:ident . $name:ident . $partitions:ident . $index:ident
     => $Topic:ident . $with_topic_name:ident . $with_topic_partitions:ident,
        $Partition:ident . $with_index:ident $(, also $field:ident => $with_field:ident)*) => {
        $request
            .$topics
            .iter()
            .map(|topic| {
                $Topic::default()
                    .$with_topic_name(topic.$name.clone())
                    $(.$with_field(topic.$field))*
                    .$with_topic_partitions(
                        topic
                            .$partitions
                            .iter()
                            .map(|p| {
                                $Partition::default()
                                    .$with_index(p.$index)
                                    .with_error_code(UNSUPPORTED_VERSION)
                            })
                            .collect(),
                    )
            })
            .collect()
    };
}

/// A response of the request's own API that reports UNSUPPORTED_VERSION.
pub(crate) fn answer(request: &RequestKind) -> Option<ResponseKind> {
    macro_rules! top_level_error {
        ($($api:ident => $response:ident),* $(,)?) => {
            match request {
                RequestKind::Produce(r) => Some(ResponseKind::Produce(
                    ProduceResponse::default().with_responses(refuse_partitions!(r,
                        topic_data.name.partition_data.index
                        => TopicProduceResponse.with_name.with_partition_responses,
                           PartitionProduceResponse.with_index, also topic_id => with_topic_id)),
                )),
                RequestKind::ListOffsets(r) => Some(ResponseKind::ListOffsets(
                    ListOffsetsResponse::default().with_topics(refuse_partitions!(r,
                        topics.name.partitions.partition_index
                        => ListOffsetsTopicResponse.with_name.with_partitions,
                           ListOffsetsPartitionResponse.with_partition_index)),
                )),
                RequestKind::OffsetCommit(r) => Some(ResponseKind::OffsetCommit(
                    OffsetCommitResponse::default().with_topics(refuse_partitions!(r,
                        topics.name.partitions.partition_index
                        => OffsetCommitResponseTopic.with_name.with_partitions,
                           OffsetCommitResponsePartition.with_partition_index)),
                )),
                RequestKind::OffsetForLeaderEpoch(r) => Some(ResponseKind::OffsetForLeaderEpoch(
                    OffsetForLeaderEpochResponse::default().with_topics(refuse_partitions!(r,
                        topics.topic.partitions.partition
                        => OffsetForLeaderTopicResult.with_topic.with_partitions,
                           EpochEndOffset.with_partition)),
                )),
                RequestKind::DeleteRecords(r) => Some(ResponseKind::DeleteRecords(
                    DeleteRecordsResponse::default().with_topics(refuse_partitions!(r,
                        topics.name.partitions.partition_index
                        => DeleteRecordsTopicResult.with_name.with_partitions,
                           DeleteRecordsPartitionResult.with_partition_index)),
                )),
                RequestKind::DescribeGroups(r) => Some(ResponseKind::DescribeGroups(
                    DescribeGroupsResponse::default().with_groups(
                        r.groups
                            .iter()
                            .map(|g| DescribedGroup::default().with_group_id(g.clone()).with_error_code(UNSUPPORTED_VERSION))
                            .collect(),
                    ),
                )),
                RequestKind::DeleteGroups(r) => Some(ResponseKind::DeleteGroups(
                    DeleteGroupsResponse::default().with_results(
                        r.groups_names
                            .iter()
                            .map(|g| DeletableGroupResult::default().with_group_id(g.clone()).with_error_code(UNSUPPORTED_VERSION))
                            .collect(),
                    ),
                )),
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
