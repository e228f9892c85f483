//! Kafka broker properties that a running broker accepts without a restart.
//!
//! Source: the Apache Kafka documentation, "Broker Configs" (the "Update Mode"
//! of each property: read-only, per-broker, cluster-wide) and its section
//! "Updating Broker Configs" (Kafka 3.x/4.x, KRaft). Everything not listed is
//! read-only: changing it means restarting the broker. `listener.name.<l>.`
//! prefixed forms of the listener security properties are dynamic per broker.
//! Keep the lists sorted: lookups use binary search.

/// How Kafka lets a broker property change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateMode {
    /// Only in the properties file: the broker must restart.
    ReadOnly,
    /// Dynamically, for each broker.
    PerBroker,
    /// Dynamically, as a cluster-wide default (or per broker).
    ClusterWide,
}

impl UpdateMode {
    pub fn is_dynamic(self) -> bool {
        self != UpdateMode::ReadOnly
    }
}

/// Per-broker dynamic properties (listener security, replication quotas).
const PER_BROKER: &[&str] = &[
    "follower.replication.throttled.rate",
    "leader.replication.throttled.rate",
    "listener.security.protocol.map",
    "principal.builder.class",
    "replica.alter.log.dirs.io.max.bytes.per.second",
    "sasl.enabled.mechanisms",
    "sasl.jaas.config",
    "sasl.kerberos.kinit.cmd",
    "sasl.kerberos.min.time.before.relogin",
    "sasl.kerberos.principal.to.local.rules",
    "sasl.kerberos.service.name",
    "sasl.kerberos.ticket.renew.jitter",
    "sasl.kerberos.ticket.renew.window.factor",
    "sasl.login.refresh.buffer.seconds",
    "sasl.login.refresh.min.period.seconds",
    "sasl.login.refresh.window.factor",
    "sasl.login.refresh.window.jitter",
    "sasl.mechanism.inter.broker.protocol",
    "ssl.cipher.suites",
    "ssl.client.auth",
    "ssl.enabled.protocols",
    "ssl.endpoint.identification.algorithm",
    "ssl.engine.factory.class",
    "ssl.key.password",
    "ssl.keymanager.algorithm",
    "ssl.keystore.certificate.chain",
    "ssl.keystore.key",
    "ssl.keystore.location",
    "ssl.keystore.password",
    "ssl.keystore.type",
    "ssl.principal.mapping.rules",
    "ssl.protocol",
    "ssl.provider",
    "ssl.secure.random.implementation",
    "ssl.trustmanager.algorithm",
    "ssl.truststore.certificates",
    "ssl.truststore.location",
    "ssl.truststore.password",
    "ssl.truststore.type",
];

/// Cluster-wide dynamic properties (thread pools, log defaults, connection quotas,
/// metrics reporters, log cleaner).
const CLUSTER_WIDE: &[&str] = &[
    "background.threads",
    "compression.gzip.level",
    "compression.lz4.level",
    "compression.type",
    "compression.zstd.level",
    "log.cleaner.backoff.ms",
    "log.cleaner.dedupe.buffer.size",
    "log.cleaner.delete.retention.ms",
    "log.cleaner.io.buffer.load.factor",
    "log.cleaner.io.buffer.size",
    "log.cleaner.io.max.bytes.per.second",
    "log.cleaner.max.compaction.lag.ms",
    "log.cleaner.min.cleanable.ratio",
    "log.cleaner.min.compaction.lag.ms",
    "log.cleaner.threads",
    "log.cleanup.policy",
    "log.flush.interval.messages",
    "log.flush.interval.ms",
    "log.index.interval.bytes",
    "log.index.size.max.bytes",
    "log.local.retention.bytes",
    "log.local.retention.ms",
    "log.message.timestamp.after.max.ms",
    "log.message.timestamp.before.max.ms",
    "log.message.timestamp.type",
    "log.preallocate",
    "log.retention.bytes",
    "log.retention.ms",
    "log.roll.jitter.ms",
    "log.roll.ms",
    "log.segment.bytes",
    "log.segment.delete.delay.ms",
    "max.connection.creation.rate",
    "max.connections",
    "max.connections.per.ip",
    "max.connections.per.ip.overrides",
    "message.max.bytes",
    "metric.reporters",
    "min.insync.replicas",
    "num.io.threads",
    "num.network.threads",
    "num.recovery.threads.per.data.dir",
    "num.replica.fetchers",
    "producer.id.expiration.ms",
    "remote.fetch.max.wait.ms",
    "remote.list.offsets.request.timeout.ms",
    "remote.log.index.file.cache.total.size.bytes",
    "remote.log.manager.copier.thread.pool.size",
    "remote.log.manager.copy.max.bytes.per.second",
    "remote.log.manager.expiration.thread.pool.size",
    "remote.log.manager.fetch.max.bytes.per.second",
    "remote.log.reader.threads",
    "transaction.partition.verification.enable",
    "unclean.leader.election.enable",
];

/// How `name` may change on a running broker.
pub fn update_mode(name: &str) -> UpdateMode {
    // `listener.name.<listener>.<property>`: a listener-scoped security property.
    let unprefixed = name
        .strip_prefix("listener.name.")
        .and_then(|rest| rest.split_once('.'))
        .map(|(_, property)| property);
    if let Some(property) = unprefixed {
        let security = PER_BROKER.binary_search(&property).is_ok()
            || property.ends_with(".sasl.jaas.config")
            || property.starts_with("sasl.")
            || property.starts_with("ssl.");
        return if security {
            UpdateMode::PerBroker
        } else {
            UpdateMode::ReadOnly
        };
    }
    if PER_BROKER.binary_search(&name).is_ok() {
        UpdateMode::PerBroker
    } else if CLUSTER_WIDE.binary_search(&name).is_ok() {
        UpdateMode::ClusterWide
    } else {
        UpdateMode::ReadOnly
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_for_binary_search() {
        assert!(PER_BROKER.windows(2).all(|w| w[0] < w[1]));
        assert!(CLUSTER_WIDE.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn knows_dynamic_and_static_properties() {
        assert_eq!(update_mode("num.io.threads"), UpdateMode::ClusterWide);
        assert_eq!(update_mode("ssl.keystore.location"), UpdateMode::PerBroker);
        assert_eq!(
            update_mode("listener.name.external.ssl.keystore.location"),
            UpdateMode::PerBroker
        );
        assert_eq!(
            update_mode("listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config"),
            UpdateMode::PerBroker
        );
        assert_eq!(
            update_mode("auto.create.topics.enable"),
            UpdateMode::ReadOnly
        );
        assert_eq!(update_mode("log.retention.hours"), UpdateMode::ReadOnly);
    }
}
