//! What a tansu broker's front costs on the data path: Produce straight to
//! tansu against Produce through the front before it, side by side in one
//! run on the same machine (see `harness`). Needs tansu
//! (KMESOS_TANSU). Prints a markdown table for docs/benchmarks.md.

mod harness;
#[path = "../tests/support/mod.rs"]
mod support;

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{ProduceRequest, TopicName};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use support::{call, frames, TestCluster};

const TOPIC: &str = "bench";
/// Produce v9: names topics, as the front caps it for tansu.
const VERSION: i16 = 9;
const RECORDS_PER_BATCH: usize = 10;
const VALUE_BYTES: usize = 100;

/// One Produce (acks=1) of a batch of small records to partition 0.
fn produce_request() -> ProduceRequest {
    let records: Vec<Record> = (0..RECORDS_PER_BATCH)
        .map(|i| Record {
            transactional: false,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: 0,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: TimestampType::Creation,
            offset: i as i64,
            sequence: -1,
            timestamp: 0,
            key: None,
            value: Some(Bytes::from(vec![b'x'; VALUE_BYTES])),
            headers: Default::default(),
        })
        .collect();
    let mut batch = BytesMut::new();
    let options = RecordEncodeOptions {
        version: 2,
        compression: Compression::None,
    };
    RecordBatchEncoder::encode(&mut batch, &records, &options).unwrap();
    ProduceRequest::default()
        .with_acks(1)
        .with_timeout_ms(30_000)
        .with_topic_data(vec![TopicProduceData::default()
            .with_name(TopicName(StrBytes::from_static_str(TOPIC)))
            .with_partition_data(vec![PartitionProduceData::default()
                .with_index(0)
                .with_records(Some(batch.freeze()))])])
}

/// Produce requests on one connection, as a standard client sends them.
struct Producing(support::Frames, ProduceRequest);

impl harness::Workload for Producing {
    async fn open(addr: &str) -> Self {
        Producing(frames(addr).await, produce_request())
    }

    /// One Produce; the partition must take it.
    async fn once(&mut self, n: u64) {
        let id = i32::try_from(n % i32::MAX as u64).unwrap_or_default();
        let answer = call(&mut self.0, &self.1, VERSION, id).await;
        let code = answer.responses[0].partition_responses[0].error_code;
        assert_eq!(code, 0, "Produce refused: {answer:?}");
    }
}

#[tokio::main]
async fn main() {
    let cluster = TestCluster::start(1).await;
    support::connect_with_topics(&cluster.bootstrap(), &[TOPIC], 1).await;
    let title = format!(
        "Produce v{VERSION}, acks=1, {RECORDS_PER_BATCH} records of {VALUE_BYTES} bytes per request, one tansu broker (sqlite)"
    );
    harness::compare::<Producing>(
        &title,
        ("tansu directly", &cluster.brokers[0].addr()),
        ("through the front", &cluster.broker_addr(1)),
    )
    .await;
}
