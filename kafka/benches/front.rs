//! What a tansu broker's front costs on the data path: Produce straight to
//! tansu against Produce through the front before it, side by side in one
//! run on the same machine. Sequential latency on one connection, then
//! throughput over several concurrent connections. Needs tansu
//! (KMESOS_TANSU). Prints a markdown table for docs/benchmarks.md.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

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
const WARMUP: usize = 200;
const SAMPLES: usize = 2_000;
const CONNECTIONS: usize = 8;
const THROUGHPUT_FOR: Duration = Duration::from_secs(5);

struct Measured {
    p50: Duration,
    p99: Duration,
    per_second: f64,
}

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

/// Sends one Produce and checks that the partition took it.
async fn produce(connection: &mut support::Frames, request: &ProduceRequest, id: i32) {
    let answer = call(connection, request, VERSION, id).await;
    let code = answer.responses[0].partition_responses[0].error_code;
    assert_eq!(code, 0, "Produce refused: {answer:?}");
}

async fn latency(addr: &str) -> (Duration, Duration) {
    let mut connection = frames(addr).await;
    let request = produce_request();
    for id in 0..WARMUP {
        produce(&mut connection, &request, id as i32).await;
    }
    let mut samples = Vec::with_capacity(SAMPLES);
    for id in 0..SAMPLES {
        let started = Instant::now();
        produce(&mut connection, &request, id as i32).await;
        samples.push(started.elapsed());
    }
    samples.sort();
    (samples[SAMPLES / 2], samples[SAMPLES * 99 / 100])
}

async fn throughput(addr: &str) -> f64 {
    let deadline = Instant::now() + THROUGHPUT_FOR;
    let workers = (0..CONNECTIONS).map(|_| {
        let addr = addr.to_string();
        tokio::spawn(async move {
            let mut connection = frames(&addr).await;
            let request = produce_request();
            let mut done = 0u64;
            while Instant::now() < deadline {
                produce(&mut connection, &request, done as i32).await;
                done += 1;
            }
            done
        })
    });
    let started = Instant::now();
    let mut total = 0;
    for worker in workers.collect::<Vec<_>>() {
        total += worker.await.unwrap();
    }
    total as f64 / started.elapsed().as_secs_f64()
}

async fn measure(addr: &str) -> Measured {
    let (p50, p99) = latency(addr).await;
    Measured {
        p50,
        p99,
        per_second: throughput(addr).await,
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let cluster = TestCluster::start(1).await;
        support::connect_with_topics(&cluster.bootstrap(), &[TOPIC], 1).await;
        let direct = measure(&cluster.brokers[0].addr()).await;
        let fronted = measure(&cluster.broker_addr(1)).await;
        println!(
            "Produce v{VERSION}, acks=1, {RECORDS_PER_BATCH} records of {VALUE_BYTES} bytes per request, one tansu broker (sqlite), one run:\n"
        );
        println!("| target | p50 latency | p99 latency | throughput ({CONNECTIONS} connections) |");
        println!("|---|---|---|---|");
        for (name, m) in [("tansu directly", &direct), ("through the front", &fronted)] {
            println!(
                "| {name} | {:?} | {:?} | {:.0} req/s |",
                m.p50, m.p99, m.per_second
            );
        }
        println!(
            "\nfront / direct: p50 latency x{:.2}, throughput x{:.2}",
            fronted.p50.as_secs_f64() / direct.p50.as_secs_f64(),
            fronted.per_second / direct.per_second
        );
    });
}
