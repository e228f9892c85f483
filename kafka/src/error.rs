//! Errors from talking Kafka: transport failures and the error codes brokers
//! answer with, named as Kafka names them (`TOPIC_ALREADY_EXISTS`, …).

use std::time::Duration;

use kafka_protocol::error::ResponseError;

/// Everything that can go wrong in a call to a broker.
#[derive(Debug, thiserror::Error)]
pub enum KafkaError {
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        addr: String,
        source: std::io::Error,
    },
    #[error("I/O error talking to {addr}: {source}")]
    Io {
        addr: String,
        source: std::io::Error,
    },
    #[error("{addr} did not answer {api} within {timeout:?}")]
    Timeout {
        addr: String,
        api: String,
        timeout: Duration,
    },
    #[error("{addr} closed the connection while {api} was outstanding")]
    Closed { addr: String, api: String },
    #[error("{addr} sent a malformed {api} response: {detail}")]
    Malformed {
        addr: String,
        api: String,
        detail: String,
    },
    #[error("cannot encode {api} request: {detail}")]
    Encode { api: String, detail: String },
    #[error("{addr} supports no version of {api} that this client speaks")]
    Unsupported { addr: String, api: String },
    #[error("{api} on {resource} failed: {name} ({code}){}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Response {
        api: String,
        resource: String,
        code: i16,
        name: String,
        message: Option<String>,
    },
}

impl KafkaError {
    /// An error a broker answered with, for `resource` (a topic or broker name).
    pub fn response(api: &str, resource: &str, code: i16, message: Option<String>) -> Self {
        KafkaError::Response {
            api: api.to_string(),
            resource: resource.to_string(),
            code,
            name: error_name(code),
            message,
        }
    }

    /// The Kafka error code when the broker answered with one.
    pub fn code(&self) -> Option<i16> {
        match self {
            KafkaError::Response { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Kafka's name for the error code (`TOPIC_ALREADY_EXISTS`), when the broker answered with one.
    pub fn code_name(&self) -> Option<&str> {
        match self {
            KafkaError::Response { name, .. } => Some(name),
            _ => None,
        }
    }
}

/// The Kafka error codes kmesos answers with or looks for, by Kafka's names.
pub mod code {
    pub const UNKNOWN_SERVER_ERROR: i16 = -1;
    pub const UNKNOWN_TOPIC_OR_PARTITION: i16 = 3;
    /// What a topic reports while no broker serves it.
    pub const LEADER_NOT_AVAILABLE: i16 = 5;
    pub const COORDINATOR_NOT_AVAILABLE: i16 = 15;
    pub const INVALID_TOPIC_EXCEPTION: i16 = 17;
    pub const UNSUPPORTED_VERSION: i16 = 35;
    pub const TOPIC_ALREADY_EXISTS: i16 = 36;
    pub const INVALID_PARTITIONS: i16 = 37;
    pub const INVALID_REPLICATION_FACTOR: i16 = 38;
    pub const INVALID_REQUEST: i16 = 42;
}

/// Kafka's name for an error code, as in Kafka's protocol guide: 36 →
/// `TOPIC_ALREADY_EXISTS`, 0 → `NONE`.
pub fn error_name(code: i16) -> String {
    match ResponseError::try_from_code(code) {
        None => "NONE".to_string(),
        Some(ResponseError::Unknown(code)) => format!("UNKNOWN_ERROR_CODE_{code}"),
        // kafka-protocol names its variants in CamelCase after Kafka's names.
        Some(known) => screaming_snake(&format!("{known:?}")),
    }
}

fn screaming_snake(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 8);
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_carry_kafka_names() {
        assert_eq!(error_name(0), "NONE");
        assert_eq!(error_name(36), "TOPIC_ALREADY_EXISTS");
        assert_eq!(error_name(37), "INVALID_PARTITIONS");
        assert_eq!(error_name(3), "UNKNOWN_TOPIC_OR_PARTITION");
        assert_eq!(error_name(-1), "UNKNOWN_SERVER_ERROR");
        assert_eq!(error_name(9999), "UNKNOWN_ERROR_CODE_9999");
    }

    #[test]
    fn response_errors_show_name_and_message() {
        let e = KafkaError::response("CreateTopics", "orders", 36, Some("exists".into()));
        assert_eq!(e.code_name(), Some("TOPIC_ALREADY_EXISTS"));
        assert_eq!(
            e.to_string(),
            "CreateTopics on orders failed: TOPIC_ALREADY_EXISTS (36): exists"
        );
    }
}
