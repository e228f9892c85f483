//! Metadata through the admin endpoint against a tansu broker's own Metadata,
//! measured side by side in one run on the same machine (see `harness`).
//! Needs tansu (KMESOS_TANSU). Prints a markdown table for
//! docs/benchmarks.md.

mod harness;
#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Duration;

use kafka_protocol::messages::MetadataRequest;
use kmesos_kafka::BrokerConnection;
use support::TestCluster;

/// Metadata for all topics, with kmesos's own client.
struct AllTopics(BrokerConnection);

impl harness::Workload for AllTopics {
    async fn open(addr: &str) -> Self {
        let connection = BrokerConnection::connect(addr, Duration::from_secs(30));
        AllTopics(connection.await.unwrap())
    }

    async fn once(&mut self, _: u64) {
        let request = MetadataRequest::default().with_topics(None);
        self.0.send(&request).await.unwrap();
    }
}

#[tokio::main]
async fn main() {
    let cluster = TestCluster::start(2).await;
    support::connect_with_topics(
        &cluster.bootstrap(),
        &["bench-0", "bench-1", "bench-2", "bench-3"],
        4,
    )
    .await;
    harness::compare::<AllTopics>(
        "Metadata (all topics: 4 topics x 4 partitions; 2 tansu brokers)",
        ("tansu broker", &cluster.brokers[0].addr()),
        ("kmesos endpoint", &cluster.bootstrap()),
    )
    .await;
}
