//! The daemon's Prometheus metrics (`GET /metrics`, OpenMetrics text format,
//! which Prometheus scrapes). Counters are bumped by the driver as it works;
//! gauges that describe the state (brokers by status, serial, subscription)
//! are read from the latest view at scrape time, so they cannot drift.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::daemon_handle::View;

/// Counters the driver bumps.
#[derive(Default)]
pub struct Metrics {
    pub offers_received: Counter,
    pub offers_declined: Counter,
    pub tasks_launched: Counter,
    pub status_updates: Family<StateLabel, Counter>,
    pub applies: Family<OutcomeLabel, Counter>,
    pub state_writes: Counter,
    pub kafka_operations: Family<OutcomeLabel, Counter>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabel {
    pub state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BrokerLabels {
    cluster: String,
    status: String,
}

impl Metrics {
    /// The metrics in text form, gauges taken from `view`.
    pub fn render(&self, view: &View) -> String {
        let mut registry = Registry::with_prefix("kmesos");
        registry.register(
            "offers_received",
            "Offers received from the master",
            self.offers_received.clone(),
        );
        registry.register(
            "offers_declined",
            "Offers declined",
            self.offers_declined.clone(),
        );
        registry.register(
            "tasks_launched",
            "Broker tasks launched",
            self.tasks_launched.clone(),
        );
        registry.register(
            "status_updates",
            "Task status updates by state",
            self.status_updates.clone(),
        );
        registry.register("applies", "Applies ended, by outcome", self.applies.clone());
        registry.register(
            "state_writes",
            "State documents written",
            self.state_writes.clone(),
        );
        registry.register(
            "kafka_operations",
            "Kafka admin operations, by outcome",
            self.kafka_operations.clone(),
        );

        let brokers = Family::<BrokerLabels, Gauge>::default();
        for (name, cluster) in &view.state.clusters {
            for broker in cluster.brokers.values() {
                let status = broker
                    .runtime
                    .as_ref()
                    .and_then(|r| r.status)
                    .map(|s| {
                        serde_json::to_value(s)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                    })
                    .unwrap_or(None)
                    .unwrap_or_else(|| "pending".to_string());
                brokers
                    .get_or_create(&BrokerLabels {
                        cluster: name.clone(),
                        status,
                    })
                    .inc();
            }
        }
        registry.register("brokers", "Brokers by cluster and status", brokers);
        let gauge = |v: i64| {
            let g: Gauge<i64, std::sync::atomic::AtomicI64> = Gauge::default();
            g.set(v);
            g
        };
        registry.register(
            "mesos_subscribed",
            "1 while subscribed to the Mesos master",
            gauge(view.subscribed as i64),
        );
        registry.register(
            "apply_running",
            "1 while an apply holds the lock",
            gauge(view.apply.is_some() as i64),
        );
        let serial: Gauge<u64, AtomicU64> = Gauge::default();
        serial.set(view.state.serial);
        registry.register("state_serial", "Serial of the state document", serial);

        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut text, &registry);
        text
    }
}
