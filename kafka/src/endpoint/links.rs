//! Connections from the endpoint to live brokers, kept open between requests
//! (a few idle ones per broker) so each client request costs no handshake.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use kafka_protocol::protocol::Request;

use super::backend::LiveBroker;
use crate::client::BrokerConnection;
use crate::error::KafkaError;

/// Idle connections kept per broker; more concurrent callers open more.
const IDLE_PER_BROKER: usize = 8;

pub(crate) struct BrokerLinks {
    timeout: Duration,
    idle: Mutex<HashMap<String, Vec<BrokerConnection>>>,
}

impl BrokerLinks {
    pub(crate) fn new(timeout: Duration) -> Self {
        BrokerLinks {
            timeout,
            idle: Mutex::new(HashMap::new()),
        }
    }

    /// Sends `request` to `broker` at the best common version. A pooled
    /// connection that turns out dead (the broker restarted) is replaced once.
    pub(crate) async fn call<R: Request + Clone>(
        &self,
        broker: &LiveBroker,
        request: &R,
    ) -> Result<(i16, R::Response), KafkaError> {
        self.call_versioned(broker, |_| request.clone()).await
    }

    /// Like [`call`](Self::call), for requests whose fields depend on the
    /// version: `build` makes the request for the version negotiated.
    pub(crate) async fn call_versioned<R: Request + Clone>(
        &self,
        broker: &LiveBroker,
        build: impl Fn(i16) -> R,
    ) -> Result<(i16, R::Response), KafkaError> {
        let addr = broker.addr();
        if let Some(mut pooled) = self.take(&addr) {
            let result = match pooled.version_for::<R>() {
                Ok(version) => pooled.send(&build(version)).await,
                Err(e) => Err(e),
            };
            let stale = matches!(
                result,
                Err(KafkaError::Io { .. } | KafkaError::Closed { .. })
            );
            if !stale {
                self.give_back(addr, pooled);
                return result;
            }
        }
        let mut fresh = BrokerConnection::connect(&addr, self.timeout).await?;
        let result = match fresh.version_for::<R>() {
            Ok(version) => fresh.send(&build(version)).await,
            Err(e) => Err(e),
        };
        self.give_back(addr, fresh);
        result
    }

    fn take(&self, addr: &str) -> Option<BrokerConnection> {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        idle.get_mut(addr).and_then(Vec::pop)
    }

    fn give_back(&self, addr: String, connection: BrokerConnection) {
        if !connection.is_usable() {
            return;
        }
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let slot = idle.entry(addr).or_default();
        if slot.len() < IDLE_PER_BROKER {
            slot.push(connection);
        }
    }
}
