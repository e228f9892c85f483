//! What a Kafka property set in HCL may be — the one owner of the rule, which
//! `validate` and `plan` apply to the configuration and the executor applies
//! again to what it is asked to launch. Properties kmesos sets itself for
//! every broker (identity, listeners, data directories, rack, the KRaft
//! quorum wiring) come from the broker id, the port Mesos gave, the agent
//! and the persistent volume: setting them in HCL would fight kmesos.

/// Exact names kmesos owns.
const RESERVED: &[&str] = &[
    "advertised.listeners",
    "broker.id",
    "broker.rack",
    "controller.listener.names",
    "controller.quorum.bootstrap.servers",
    "controller.quorum.voters",
    "inter.broker.listener.name",
    "listener.security.protocol.map",
    "listeners",
    "log.dir",
    "log.dirs",
    "node.id",
    "process.roles",
];

/// Why the property `name = value` cannot be set from HCL, if it cannot: a
/// name that is not letters, digits, `.`, `_` or `-`; a name kmesos owns; a
/// value over more than one line (a broker's properties file holds one
/// property per line).
pub fn property_problem(name: &str, value: &str) -> Option<String> {
    if RESERVED.contains(&name) {
        return Some(format!(
            "\"{name}\" is set by kmesos for every broker (from the broker id, the port and volume Mesos gives it, its agent, and the KRaft quorum); remove it"
        ));
    }
    form_problem(name, value)
}

/// Names kmesos sets for every client: where its cluster's brokers run, and
/// a consumer's group (the client's name).
const CLIENT_RESERVED: &[&str] = &["bootstrap.servers", "group.id"];

/// Why the producer or consumer property `name = value` of a `client` block
/// cannot be set from HCL: as for brokers, a malformed name or a value over
/// several lines; or a name kmesos sets for every client.
pub fn client_property_problem(name: &str, value: &str) -> Option<String> {
    if CLIENT_RESERVED.contains(&name) {
        return Some(format!(
            "\"{name}\" is set by kmesos for every client (its cluster's running brokers, and the client's name as a consumer's group); remove it"
        ));
    }
    form_problem(name, value)
}

/// A name that is not letters, digits, `.`, `_` or `-`, or a value over
/// more than one line (a properties file holds one property per line).
fn form_problem(name: &str, value: &str) -> Option<String> {
    let well_formed = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !well_formed {
        return Some(format!(
            "{name:?} is not a property name: a property name is letters, digits, '.', '_' or '-'"
        ));
    }
    if value.contains(['\n', '\r']) {
        return Some(format!(
            "the value of \"{name}\" must be a single line (a properties file holds one property per line)"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owns_identity_listeners_dirs_rack_and_quorum() {
        for name in [
            "broker.id",
            "node.id",
            "listeners",
            "advertised.listeners",
            "listener.security.protocol.map",
            "inter.broker.listener.name",
            "controller.listener.names",
            "log.dirs",
            "log.dir",
            "process.roles",
            "broker.rack",
            "controller.quorum.voters",
            "controller.quorum.bootstrap.servers",
        ] {
            let why = property_problem(name, "x").unwrap_or_default();
            assert!(why.contains("is set by kmesos"), "{name}: {why}");
        }
        assert_eq!(property_problem("num.io.threads", "8"), None);
        // The quorum's tuning is the operator's; only its membership is ours.
        assert_eq!(
            property_problem("controller.quorum.election.timeout.ms", "2000"),
            None
        );
    }

    #[test]
    fn refuses_malformed_names_and_values_over_several_lines() {
        let name = property_problem("log retention", "1").unwrap_or_default();
        assert!(name.contains("is not a property name"), "{name}");
        for value in ["a\nb", "a\r\nb", "a\r"] {
            let why = property_problem("ssl.truststore.certificates", value).unwrap_or_default();
            assert!(why.contains("must be a single line"), "{value:?}: {why}");
        }
    }
}
