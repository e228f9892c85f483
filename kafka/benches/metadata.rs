//! Metadata through the admin endpoint against a tansu broker's own Metadata,
//! measured side by side in one run on the same machine: sequential latency
//! on one connection, then throughput over several concurrent connections.
//! Needs tansu (KMESOS_TANSU). Prints a markdown table for
//! docs/benchmarks.md.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use kafka_protocol::messages::MetadataRequest;
use kmesos_kafka::BrokerConnection;
use support::TestCluster;

const WARMUP: usize = 200;
const SAMPLES: usize = 3_000;
const CONNECTIONS: usize = 8;
const THROUGHPUT_FOR: Duration = Duration::from_secs(5);

struct Measured {
    p50: Duration,
    p99: Duration,
    per_second: f64,
}

async fn latency(addr: &str) -> (Duration, Duration) {
    let mut connection = BrokerConnection::connect(addr, Duration::from_secs(30))
        .await
        .unwrap();
    let request = MetadataRequest::default().with_topics(None);
    for _ in 0..WARMUP {
        connection.send(&request).await.unwrap();
    }
    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        connection.send(&request).await.unwrap();
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
            let mut connection = BrokerConnection::connect(&addr, Duration::from_secs(30))
                .await
                .unwrap();
            let request = MetadataRequest::default().with_topics(None);
            let mut done = 0u64;
            while Instant::now() < deadline {
                connection.send(&request).await.unwrap();
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
        let cluster = TestCluster::start(2).await;
        support::connect_with_topics(
            &cluster.bootstrap(),
            &["bench-0", "bench-1", "bench-2", "bench-3"],
            4,
        )
        .await;
        let broker = measure(&cluster.brokers[0].addr()).await;
        let endpoint = measure(&cluster.bootstrap()).await;
        println!("Metadata (all topics: 4 topics x 4 partitions; 2 tansu brokers), one run:\n");
        println!("| target | p50 latency | p99 latency | throughput ({CONNECTIONS} connections) |");
        println!("|---|---|---|---|");
        for (name, m) in [("tansu broker", &broker), ("kmesos endpoint", &endpoint)] {
            println!(
                "| {name} | {:?} | {:?} | {:.0} req/s |",
                m.p50, m.p99, m.per_second
            );
        }
        println!(
            "\nendpoint / broker: p50 latency x{:.2}, throughput x{:.2}",
            endpoint.p50.as_secs_f64() / broker.p50.as_secs_f64(),
            endpoint.per_second / broker.per_second
        );
    });
}
