//! `GET /v1/partitions`: every cluster's partitions read from its running
//! brokers (replicas, ISR, `min.insync.replicas`), for `kmesos plan` to
//! analyze what a plan's broker stops would do before anything runs.

use axum::extract::State;
use axum::Json;
use engine::config::KafkaKind;
use engine::plan::availability::PartitionReport;

use super::Api;
use crate::partitions;
use crate::wire::PartitionsReport;

/// Why a tansu cluster's partitions are not analyzed.
const TANSU: &str =
    "tansu brokers do not replicate: each partition is offline while its broker is stopped";

pub(super) async fn partitions(State(api): State<Api>) -> Json<PartitionsReport> {
    let view = api.daemon.view();
    let mut clusters = std::collections::BTreeMap::new();
    for (name, cluster) in &view.state.clusters {
        let report = match cluster.kafka.kind {
            KafkaKind::Tansu => PartitionReport::Unavailable(TANSU.to_string()),
            KafkaKind::Apache => {
                let endpoints: Vec<String> = cluster
                    .brokers
                    .values()
                    .filter_map(|b| b.runtime.as_ref()?.serving_endpoint())
                    .collect();
                partitions::report(&endpoints).await
            }
        };
        clusters.insert(name.clone(), report);
    }
    Json(PartitionsReport { clusters })
}
