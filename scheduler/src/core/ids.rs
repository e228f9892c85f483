//! Names the core makes up: task ids, persistence ids, reservation labels and
//! Kafka cluster ids. They are derived from the state's lineage and a
//! persisted sequence number, so the core stays deterministic and a restarted
//! scheduler never reuses one.

use base64::Engine as _;

/// The label key the core puts on its reservations; the value names the broker.
pub const RESERVATION_LABEL: &str = "kmesos-broker";

/// Prefix of every persistence id the core creates.
pub const VOLUME_PREFIX: &str = "kmesos.";

/// 64-bit FNV-1a: a stable hash (std's hasher may change between releases).
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.iter().chain(&[0xff]) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// Eight hex digits unique to (lineage, sequence).
fn suffix(lineage: &str, sequence: u64) -> String {
    let hash = fnv(&[lineage.as_bytes(), &sequence.to_be_bytes()]);
    format!("{:08x}", hash >> 32)
}

/// `<cluster>.broker-<id>.<8 hex>`.
pub fn task_id(cluster: &str, id: u32, lineage: &str, sequence: u64) -> String {
    format!("{cluster}.broker-{id}.{}", suffix(lineage, sequence))
}

/// `<cluster>.client-<name>-<instance>.<8 hex>`.
pub fn client_task_id(
    cluster: &str,
    client: &str,
    instance: u32,
    lineage: &str,
    sequence: u64,
) -> String {
    format!(
        "{cluster}.client-{client}-{instance}.{}",
        suffix(lineage, sequence)
    )
}

/// `kmesos.<cluster>.broker-<id>.<8 hex>`: unique per role on any agent.
pub fn persistence_id(cluster: &str, id: u32, lineage: &str, sequence: u64) -> String {
    format!(
        "{VOLUME_PREFIX}{cluster}.broker-{id}.{}",
        suffix(lineage, sequence)
    )
}

/// The reservation label value of broker `id` of `cluster`.
pub fn broker_label(cluster: &str, id: u32) -> String {
    format!("{cluster}/{id}")
}

/// The broker a reservation label value names.
pub fn parse_broker_label(value: &str) -> Option<(&str, u32)> {
    let (cluster, id) = value.rsplit_once('/')?;
    Some((cluster, id.parse().ok()?))
}

/// A Kafka cluster id (16 bytes, URL-safe base64 without padding) for
/// `cluster`, derived from the lineage so it is fixed once recorded.
pub fn kafka_cluster_id(cluster: &str, lineage: &str, sequence: u64) -> String {
    let seq = sequence.to_be_bytes();
    let high = fnv(&[lineage.as_bytes(), cluster.as_bytes(), &seq]);
    let low = fnv(&[cluster.as_bytes(), lineage.as_bytes(), &seq, b"low"]);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&high.to_be_bytes());
    bytes[8..].copy_from_slice(&low.to_be_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_differ_by_sequence_and_lineage() {
        let a = task_id("events", 0, "lin-a", 1);
        assert!(a.starts_with("events.broker-0."), "{a}");
        assert_ne!(a, task_id("events", 0, "lin-a", 2));
        assert_ne!(a, task_id("events", 0, "lin-b", 1));
        assert_eq!(a, task_id("events", 0, "lin-a", 1));
    }

    #[test]
    fn labels_round_trip() {
        assert_eq!(
            parse_broker_label(&broker_label("a/b", 7)),
            Some(("a/b", 7))
        );
        assert_eq!(parse_broker_label("nonsense"), None);
    }

    #[test]
    fn cluster_ids_are_accepted_by_the_executor_contract() {
        let id = kafka_cluster_id("events", "lin", 0);
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&id)
            .unwrap();
        assert_eq!((bytes.len(), id.len()), (16, 22));
    }
}
