//! Config resources and entries as kmesos sees them, their Kafka codes, and
//! the config requests and answers both halves exchange with brokers: shared
//! by the client (what a broker describes) and the endpoint (what the
//! backend reports, and what it forwards to brokers).

use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::describe_configs_response::DescribeConfigsSynonym;
use kafka_protocol::messages::incremental_alter_configs_request::{
    AlterConfigsResource, AlterableConfig,
};
use kafka_protocol::messages::{
    DescribeConfigsRequest, DescribeConfigsResponse, IncrementalAlterConfigsRequest,
};
use kafka_protocol::protocol::StrBytes;

/// IncrementalAlterConfigs operation codes.
pub(crate) const OP_SET: i8 = 0;
pub(crate) const OP_DELETE: i8 = 1;

/// Kafka's resource type codes in config requests.
pub const RESOURCE_TOPIC: i8 = 2;
pub const RESOURCE_BROKER: i8 = 4;

/// What a config belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConfigResource {
    /// A broker by node id; `""` names the cluster-wide broker default.
    Broker(String),
    Topic(String),
}

impl ConfigResource {
    /// The resource from Kafka's type code and name; `None` for types kmesos
    /// does not manage (loggers, client metrics, groups).
    pub fn from_kafka(resource_type: i8, name: &str) -> Option<Self> {
        match resource_type {
            RESOURCE_TOPIC => Some(ConfigResource::Topic(name.to_string())),
            RESOURCE_BROKER => Some(ConfigResource::Broker(name.to_string())),
            _ => None,
        }
    }

    pub fn kafka_type(&self) -> i8 {
        match self {
            ConfigResource::Broker(_) => RESOURCE_BROKER,
            ConfigResource::Topic(_) => RESOURCE_TOPIC,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            ConfigResource::Broker(name) | ConfigResource::Topic(name) => name,
        }
    }

    /// DescribeConfigs of every property of this resource.
    pub(crate) fn describe_request(&self) -> DescribeConfigsRequest {
        DescribeConfigsRequest::default()
            .with_resources(vec![DescribeConfigsResource::default()
                .with_resource_type(self.kafka_type())
                .with_resource_name(text(self.name()))
                .with_configuration_keys(None)])
            // The synonyms tell the value beneath the dynamic layers.
            .with_include_synonyms(true)
    }

    /// IncrementalAlterConfigs making `changes` to this resource.
    pub(crate) fn alter_request(&self, changes: &[ConfigChange]) -> IncrementalAlterConfigsRequest {
        IncrementalAlterConfigsRequest::default().with_resources(vec![
            AlterConfigsResource::default()
                .with_resource_type(self.kafka_type())
                .with_resource_name(text(self.name()))
                .with_configs(changes.iter().map(ConfigChange::alterable).collect()),
        ])
    }
}

fn text(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

/// The entries of a broker's DescribeConfigs answer, or the first error it
/// gave for a resource (code and message).
pub(crate) fn described_entries(
    response: DescribeConfigsResponse,
) -> Result<Vec<ConfigEntry>, (i16, Option<String>)> {
    let mut entries = Vec::new();
    for result in response.results {
        if result.error_code != 0 {
            return Err((
                result.error_code,
                result.error_message.map(|m| m.to_string()),
            ));
        }
        let resource_type = result.resource_type;
        entries.extend(result.configs.into_iter().map(|c| ConfigEntry {
            static_value: static_value(&c.synonyms, resource_type),
            name: c.name.to_string(),
            value: c.value.map(|v| v.to_string()),
            source: ConfigSource::from_kafka_code(c.config_source, resource_type),
            sensitive: c.is_sensitive,
            read_only: c.read_only,
        }));
    }
    Ok(entries)
}

/// The value a property has beneath every runtime layer: the first of its
/// synonyms (most precedent first) from the broker's file or Kafka's default.
fn static_value(synonyms: &[DescribeConfigsSynonym], resource_type: i8) -> Option<String> {
    synonyms
        .iter()
        .find(|s| {
            matches!(
                ConfigSource::from_kafka_code(s.source, resource_type),
                ConfigSource::Static | ConfigSource::Default
            )
        })
        .and_then(|s| s.value.as_ref().map(|v| v.to_string()))
}

/// Where an effective config value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigSource {
    /// Written into the broker's config file at start.
    Static,
    /// Set at runtime (a dynamic broker config, or a topic override).
    Dynamic,
    /// A topic's value inherited from its broker's own dynamic config.
    BrokerDynamic,
    /// Set at runtime for every broker of the cluster (Kafka's dynamic
    /// default broker config).
    ClusterDynamic,
    /// Kafka's built-in default.
    Default,
}

impl ConfigSource {
    /// Kafka's DescribeConfigs source code for this source on `resource_type`.
    pub fn kafka_code(self, resource_type: i8) -> i8 {
        match (self, resource_type) {
            (ConfigSource::Dynamic, RESOURCE_TOPIC) => 1, // DYNAMIC_TOPIC_CONFIG
            (ConfigSource::Dynamic | ConfigSource::BrokerDynamic, _) => 2, // DYNAMIC_BROKER_CONFIG
            (ConfigSource::ClusterDynamic, _) => 3,       // DYNAMIC_DEFAULT_BROKER_CONFIG
            (ConfigSource::Static, _) => 4,               // STATIC_BROKER_CONFIG
            (ConfigSource::Default, _) => 5,              // DEFAULT_CONFIG
        }
    }

    /// The source for Kafka's code on `resource_type`; unknown codes count
    /// as defaults.
    pub fn from_kafka_code(code: i8, resource_type: i8) -> Self {
        match code {
            2 if resource_type == RESOURCE_TOPIC => ConfigSource::BrokerDynamic,
            3 => ConfigSource::ClusterDynamic,
            1 | 2 | 6 | 7 | 8 => ConfigSource::Dynamic,
            4 => ConfigSource::Static,
            _ => ConfigSource::Default,
        }
    }
}

/// One effective config entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEntry {
    pub name: String,
    /// `None` when unset, or when sensitive (never handed out).
    pub value: Option<String>,
    pub source: ConfigSource,
    /// Its value beneath the runtime layers (the broker's file, else Kafka's
    /// default), as a broker's synonyms report it; `None` when unknown.
    pub static_value: Option<String>,
    pub sensitive: bool,
    pub read_only: bool,
}

/// Whether a property holds a secret, by kmesos's rule: its name contains
/// `password`, `secret` or `sasl.jaas.config`.
pub fn is_sensitive(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["password", "secret", "sasl.jaas.config"]
        .iter()
        .any(|word| name.contains(word))
}

/// One change to a config property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigChange {
    Set { name: String, value: String },
    Delete { name: String },
}

impl ConfigChange {
    pub fn name(&self) -> &str {
        match self {
            ConfigChange::Set { name, .. } | ConfigChange::Delete { name } => name,
        }
    }

    /// This change as an IncrementalAlterConfigs operation.
    fn alterable(&self) -> AlterableConfig {
        let config = AlterableConfig::default().with_name(text(self.name()));
        match self {
            ConfigChange::Set { value, .. } => config
                .with_config_operation(OP_SET)
                .with_value(Some(text(value))),
            ConfigChange::Delete { .. } => config.with_config_operation(OP_DELETE),
        }
    }
}
