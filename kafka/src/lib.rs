//! Kafka wire protocol client and admin endpoint.
