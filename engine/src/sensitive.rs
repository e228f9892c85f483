//! Which Kafka properties hold secrets. Their values never appear in plans,
//! logs or state output: they are shown as [`REDACTED`].

/// What is shown instead of a secret value.
pub const REDACTED: &str = "(sensitive)";

/// True for property names containing `password`, `secret` or `sasl.jaas.config`
/// (case-insensitive), e.g. `ssl.keystore.password`,
/// `listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config`.
pub fn is_sensitive(name: &str) -> bool {
    // Byte windows, not a lowercased copy: this runs for every property of every plan.
    ["password", "secret", "sasl.jaas.config"]
        .iter()
        .any(|marker| {
            name.as_bytes()
                .windows(marker.len())
                .any(|w| w.eq_ignore_ascii_case(marker.as_bytes()))
        })
}

/// Replaces the values of secret properties in a property map.
pub fn redact(properties: &mut std::collections::BTreeMap<String, String>) {
    for (name, value) in properties.iter_mut() {
        if is_sensitive(name) {
            *value = REDACTED.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_secret_property_names() {
        assert!(is_sensitive("ssl.keystore.password"));
        assert!(is_sensitive(
            "listener.name.sasl_ssl.plain.sasl.jaas.config"
        ));
        assert!(is_sensitive("delegation.token.SECRET.key"));
        assert!(!is_sensitive("num.io.threads"));
        assert!(!is_sensitive("sasl.enabled.mechanisms"));
    }
}
