//! One Kafka admin endpoint per cluster (issue 5), kept in step with the
//! state after every write: started as clusters appear, at the cluster's
//! `kafka.endpoint` address or at the `--kafka` address for the first
//! cluster, by name, that names none (`engine::config::scheduler_endpoint_cluster`,
//! the rule `core::launch` gives tansu brokers' fronts their endpoint by);
//! moved when the address changes; stopped when the cluster goes.

use std::collections::BTreeMap;
use std::sync::Arc;

use engine::config::scheduler_endpoint_cluster;
use engine::state::ClusterState;
use kafka::endpoint::{AdminEndpoint, EndpointConfig};
use tokio::sync::{mpsc, watch};

use crate::daemon_handle::View;
use crate::kafka_backend::{ClusterView, EndpointChange};

/// An endpoint serving one cluster, and the address it was asked to bind.
struct Running {
    addr: String,
    endpoint: AdminEndpoint,
}

/// The endpoints running, by cluster.
pub struct Endpoints {
    override_addr: Option<String>,
    running: BTreeMap<String, Running>,
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
            running: BTreeMap::new(),
            view,
            changes,
        }
    }

    /// Brings the running endpoints in line with the state: stops those of
    /// clusters that are gone or whose address changed, then starts the
    /// missing ones. An address that cannot be bound is logged and retried
    /// at the next call.
    pub async fn sync(&mut self) {
        let view = self.view.borrow().clone();
        let clusters = &view.state.clusters;
        let served = scheduler_endpoint_cluster(clusters.iter().map(|(n, c)| (n, &c.kafka)));
        let stale: Vec<String> = self
            .running
            .iter()
            .filter(|(name, run)| {
                clusters
                    .get(*name)
                    .and_then(|cluster| self.wanted(cluster, served == Some(name.as_str())))
                    .is_none_or(|addr| addr != run.addr)
            })
            .map(|(name, _)| name.clone())
            .collect();
        for name in stale {
            if let Some(run) = self.running.remove(&name) {
                tracing::info!(cluster = %name, addr = %run.addr, "Kafka endpoint stopped");
                run.endpoint.stop().await;
            }
        }
        for (name, cluster) in clusters {
            if self.running.contains_key(name) {
                continue;
            }
            let Some(addr) = self.wanted(cluster, served == Some(name.as_str())) else {
                continue;
            };
            let backend = Arc::new(ClusterView::new(
                name.clone(),
                self.view.clone(),
                self.changes.clone(),
            ));
            match AdminEndpoint::start(EndpointConfig::new(addr.clone()), backend).await {
                Ok(endpoint) => {
                    tracing::info!(cluster = %name, addr = %endpoint.local_addr(), "Kafka endpoint listening");
                    self.running
                        .insert(name.clone(), Running { addr, endpoint });
                }
                Err(e) => {
                    tracing::error!(cluster = %name, %addr, error = %e, "cannot start the Kafka endpoint")
                }
            }
        }
    }

    /// Where `cluster`'s endpoint belongs: its configured address, else the
    /// `--kafka` address when it is the cluster that serves (`served`).
    fn wanted(&self, cluster: &ClusterState, served: bool) -> Option<String> {
        match &cluster.kafka.endpoint {
            Some(addr) => Some(addr.clone()),
            None => self.override_addr.clone().filter(|_| served),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::config::{KafkaKind, KafkaSpec};
    use engine::state::State;
    use std::time::Duration;

    fn free_addr() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    }

    fn cluster(endpoint: Option<&str>) -> ClusterState {
        ClusterState {
            kafka: KafkaSpec {
                kind: KafkaKind::Tansu,
                dist: None,
                endpoint: endpoint.map(str::to_string),
                reassignment_throttle: None,
                rebalance: false,
            },
            config: Default::default(),
            brokers: Default::default(),
            topics: Default::default(),
            clients: Default::default(),
            drift: Default::default(),
        }
    }

    fn view(clusters: Vec<(&str, ClusterState)>) -> Arc<View> {
        let mut state = State::new("test");
        state.clusters = clusters
            .into_iter()
            .map(|(name, c)| (name.to_string(), c))
            .collect();
        Arc::new(View {
            state,
            subscribed: true,
            ..View::default()
        })
    }

    async fn answers(addr: &str) -> bool {
        kafka::probe(addr, Duration::from_secs(5)).await.is_ok()
    }

    #[tokio::test]
    async fn endpoints_follow_the_state_they_start_move_and_stop() {
        let (first, second, fallback) = (free_addr(), free_addr(), free_addr());
        let (tx, rx) = watch::channel(view(vec![("a", cluster(Some(&first)))]));
        let (changes, _changes_rx) = mpsc::unbounded_channel();
        let mut endpoints = Endpoints::new(Some(fallback.clone()), rx, changes);

        endpoints.sync().await;
        assert!(answers(&first).await, "a's endpoint at its address");
        assert!(!answers(&fallback).await, "--kafka unused: a names its own");

        // a's address changes and b, naming none, takes the --kafka address.
        tx.send(view(vec![
            ("a", cluster(Some(&second))),
            ("b", cluster(None)),
        ]))
        .unwrap();
        endpoints.sync().await;
        assert!(!answers(&first).await, "a's old address released");
        assert!(answers(&second).await, "a's endpoint moved");
        assert!(answers(&fallback).await, "b at the --kafka address");

        // Both clusters destroyed: nothing listens any more.
        tx.send(view(vec![])).unwrap();
        endpoints.sync().await;
        assert!(!answers(&second).await);
        assert!(!answers(&fallback).await);
    }
}
