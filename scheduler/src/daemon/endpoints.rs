//! One Kafka admin endpoint per cluster (issue 5), started as clusters
//! appear in the state: at the cluster's `kafka.endpoint` address, or at the
//! `--kafka` address for the first cluster that has none configured. (Only
//! brokers of a cluster with a configured endpoint get a front that sends
//! clients' cluster-wide requests to it: see `core::launch`.)

use std::collections::BTreeMap;
use std::sync::Arc;

use kafka::endpoint::{AdminEndpoint, EndpointConfig};
use tokio::sync::{mpsc, watch};

use crate::daemon::View;
use crate::kafka_backend::{ClusterView, EndpointChange};

/// The endpoints running, by cluster.
pub struct Endpoints {
    override_addr: Option<String>,
    /// Whether a cluster has taken the `--kafka` address.
    override_taken: bool,
    running: BTreeMap<String, AdminEndpoint>,
    view: watch::Receiver<Arc<View>>,
    changes: mpsc::UnboundedSender<EndpointChange>,
}

impl Endpoints {
    pub fn new(
        override_addr: Option<String>,
        view: watch::Receiver<Arc<View>>,
        changes: mpsc::UnboundedSender<EndpointChange>,
    ) -> Endpoints {
        Endpoints {
            override_addr,
            override_taken: false,
            running: BTreeMap::new(),
            view,
            changes,
        }
    }

    /// Starts endpoints for clusters that have none yet. An address that
    /// cannot be bound is logged and retried at the next call.
    pub async fn start_missing(&mut self) {
        let view = self.view.borrow().clone();
        for (name, cluster) in &view.state.clusters {
            if self.running.contains_key(name) {
                continue;
            }
            let (addr, takes_override) = match (&cluster.kafka.endpoint, &self.override_addr) {
                (Some(addr), _) => (addr.clone(), false),
                (None, Some(addr)) if !self.override_taken => (addr.clone(), true),
                (None, _) => continue,
            };
            let backend = Arc::new(ClusterView::new(
                name.clone(),
                self.view.clone(),
                self.changes.clone(),
            ));
            match AdminEndpoint::start(EndpointConfig::new(addr.clone()), backend).await {
                Ok(endpoint) => {
                    tracing::info!(cluster = %name, addr = %endpoint.local_addr(), "Kafka endpoint listening");
                    self.running.insert(name.clone(), endpoint);
                    self.override_taken |= takes_override;
                }
                Err(e) => {
                    tracing::error!(cluster = %name, %addr, error = %e, "cannot start the Kafka endpoint")
                }
            }
        }
    }
}
