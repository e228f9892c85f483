//! The admin endpoint: a TCP server that answers standard Kafka clients on
//! behalf of a kmesos cluster. Clients bootstrap here, learn the live brokers
//! from Metadata and produce and consume against those; topic and config
//! requests are carried out on the live brokers and reported to the
//! [`ClusterBackend`].
//!
//! Layers, one file each: `mod` (listener and connections: bytes ↔ frames),
//! [`crate::frame`] (frames ↔ kafka-protocol requests), `dispatch` (requests
//! → handlers: `metadata`, `coordinator`, `topics`, `config_requests`,
//! `producer_ids`, `unsupported`).

mod backend;
mod config_requests;
mod coordinator;
mod dispatch;
mod links;
mod metadata;
mod producer_ids;
mod topics;
mod unsupported;

pub use backend::{ClusterBackend, ClusterKind, LiveBroker, TopicChange};
pub use dispatch::IMPLEMENTED_APIS;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::codec::Framed;

use crate::error::KafkaError;
use crate::frame::{self, decode_request};
use links::BrokerLinks;

/// How the endpoint listens.
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// Address to listen on, `host:port` (port 0 picks a free one).
    pub listen: String,
    /// Frames larger than this close the connection.
    pub max_frame_bytes: usize,
    /// Bound on each request the endpoint makes to a broker.
    pub broker_timeout: Duration,
}

impl EndpointConfig {
    /// Defaults: Kafka's 100 MiB frame limit, 30 s broker timeout.
    pub fn new(listen: impl Into<String>) -> Self {
        EndpointConfig {
            listen: listen.into(),
            max_frame_bytes: frame::DEFAULT_MAX_FRAME_BYTES,
            broker_timeout: Duration::from_secs(30),
        }
    }
}

/// What every request handler sees: the backend and broker connections.
pub(crate) struct Cluster {
    pub(crate) backend: Arc<dyn ClusterBackend>,
    pub(crate) links: BrokerLinks,
    /// Held while a producer id is allocated on every tansu broker.
    pub(crate) producer_ids: tokio::sync::Mutex<()>,
}

impl Cluster {
    /// Live brokers in node id order (the order partition leadership and
    /// "the first broker" refer to).
    pub(crate) fn brokers(&self) -> Vec<LiveBroker> {
        let mut brokers = self.backend.brokers();
        brokers.sort_by_key(|b| b.node_id);
        brokers
    }

    /// Every configured broker's node id, in order, live or not.
    pub(crate) fn broker_ids(&self) -> Vec<i32> {
        let mut ids = self.backend.broker_ids();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// The Kafka error code to answer a client with when a call to a broker
/// failed: the broker's own code if it gave one, UNSUPPORTED_VERSION if it
/// lacks the API, else UNKNOWN_SERVER_ERROR.
pub(crate) fn failure_code(e: &KafkaError) -> i16 {
    match e {
        KafkaError::Response { code, .. } => *code,
        KafkaError::Unsupported { .. } => crate::error::code::UNSUPPORTED_VERSION,
        _ => crate::error::code::UNKNOWN_SERVER_ERROR,
    }
}

/// A running endpoint; dropping it stops the listener and every connection.
pub struct AdminEndpoint {
    local_addr: SocketAddr,
    server: JoinHandle<()>,
}

impl AdminEndpoint {
    /// Binds `config.listen` and starts serving clients from `backend`.
    pub async fn start(
        config: EndpointConfig,
        backend: Arc<dyn ClusterBackend>,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(&config.listen).await?;
        let local_addr = listener.local_addr()?;
        let cluster = Arc::new(Cluster {
            backend,
            links: BrokerLinks::new(config.broker_timeout),
            producer_ids: tokio::sync::Mutex::new(()),
        });
        let server = tokio::spawn(accept_loop(listener, cluster, config.max_frame_bytes));
        tracing::info!(%local_addr, "Kafka admin endpoint listening");
        Ok(AdminEndpoint { local_addr, server })
    }

    /// The address the endpoint listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops the listener and every connection, and returns once the
    /// address is free to bind again.
    pub async fn stop(mut self) {
        self.server.abort();
        let _ = (&mut self.server).await;
    }
}

impl Drop for AdminEndpoint {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection.
        self.server.abort();
    }
}

async fn accept_loop(listener: TcpListener, cluster: Arc<Cluster>, max_frame_bytes: usize) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(serve_connection(stream, peer, cluster.clone(), max_frame_bytes));
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!("accepting a Kafka client failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next() => {}
        }
    }
}

/// Serves one client: requests are answered in order, as Kafka requires. A
/// frame that cannot be read or answered closes this connection only.
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    cluster: Arc<Cluster>,
    max_frame_bytes: usize,
) {
    let _ = stream.set_nodelay(true);
    let mut frames = Framed::new(stream, frame::codec(max_frame_bytes));
    while let Some(read) = frames.next().await {
        let payload = match read {
            Ok(payload) => payload.freeze(),
            Err(e) => {
                tracing::warn!(%peer, "closing Kafka connection: unreadable frame: {e}");
                return;
            }
        };
        let request = match decode_request(payload) {
            Ok(request) => request,
            Err(e) => {
                tracing::warn!(%peer, "closing Kafka connection: {e}");
                return;
            }
        };
        let answer = match dispatch::answer(&cluster, request).await {
            Ok(answer) => answer,
            Err(e) => {
                tracing::warn!(%peer, "closing Kafka connection: {e}");
                return;
            }
        };
        if let Err(e) = frames.send(answer).await {
            tracing::debug!(%peer, "Kafka client went away: {e}");
            return;
        }
    }
}
