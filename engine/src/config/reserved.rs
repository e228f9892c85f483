//! Kafka properties kmesos sets itself for every broker: identity, listeners,
//! data directories and KRaft roles come from the broker id, the port Mesos
//! gave and the persistent volume. Setting them in HCL would fight kmesos.

/// Exact names kmesos owns.
const RESERVED: &[&str] = &[
    "advertised.listeners",
    "broker.id",
    "listeners",
    "log.dir",
    "log.dirs",
    "node.id",
    "process.roles",
];

/// Prefixes kmesos owns (the KRaft quorum wiring).
const RESERVED_PREFIXES: &[&str] = &["controller.quorum."];

/// Why `name` may not be set, if it is reserved.
pub fn reserved_reason(name: &str) -> Option<String> {
    let owned = RESERVED.contains(&name) || RESERVED_PREFIXES.iter().any(|p| name.starts_with(p));
    owned.then(|| {
        format!(
            "\"{name}\" is set by kmesos for every broker (from the broker id, the port and volume Mesos gives it, and the KRaft quorum); remove it"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owns_identity_listeners_dirs_and_quorum() {
        for name in [
            "broker.id",
            "node.id",
            "listeners",
            "advertised.listeners",
            "log.dirs",
            "log.dir",
            "process.roles",
            "controller.quorum.voters",
        ] {
            assert!(reserved_reason(name).is_some(), "{name}");
        }
        assert!(reserved_reason("num.io.threads").is_none());
        assert!(reserved_reason("controller.listener.names").is_none());
    }
}
